using T2I.Core.Checkpoints;
using T2I.Core.Inference;

namespace T2I.Training.Demo;

/// <summary>
/// Exports a DiT run's final checkpoint as a self-contained model folder: the EMA weights as model.safetensors
/// (DiT + built-in text encoder; the only weights inference uses), codec.safetensors (the frozen codec the DiT was
/// trained on; of an aligned tokenizer only its decoder, all that sampling runs), config.json (configs, codec reference
/// and latent statistics) and preset.json (the base resolution); for t5+clip also the frozen T5 and CLIP folders (see
/// WriteConfig). Optimizer state is left out.
/// Written next to the target and swapped in, so a reader never sees a half-written model.
/// </summary>
public static class DemoExport
{
    public static string Write(string ditRun, string modelDir, long maxBytes)
    {
        var folder = CheckpointFolder.Open(ditRun);
        string weights = folder.Has(CheckpointFolder.EmaFile) ? CheckpointFolder.EmaFile : CheckpointFolder.ModelFile;
        string full = Path.GetFullPath(modelDir), temp = full + ".tmp", old = full + ".old";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        File.Copy(folder.File(weights), Path.Combine(temp, CheckpointFolder.ModelFile));
        WriteConfig(folder, temp);
        if (folder.Has(LatentCodecs.WeightsFileName)) WriteCodec(folder, Path.Combine(temp, LatentCodecs.WeightsFileName));
        if (folder.RunPresetFile() is { } preset) File.Copy(preset, Path.Combine(temp, "preset.json"));
        long bytes = Size(temp);
        if (bytes > maxBytes)
        {
            Directory.Delete(temp, recursive: true);
            throw new InvalidOperationException($"the exported model would be {bytes / 1e6:0.0} MB, over the {maxBytes / 1e6:0.0} " +
                $"MB limit.");
        }
        // Proven loadable before it replaces anything.
        _ = T2IPipeline.FromCheckpoint(temp);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        if (Directory.Exists(full)) Directory.Move(full, old);
        Directory.Move(temp, full);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        return $"{modelDir} from {folder.Path} ({bytes / 1e6:0.0} MB)";
    }

    /// <summary>
    /// config.json as the checkpoint wrote it; for t5+clip, with the frozen encoders copied in and
    /// <c>model_config.text_weights</c> naming the copies relative to the folder (the export is then all a worker needs).
    /// </summary>
    private static void WriteConfig(CheckpointFolder folder, string temp)
    {
        var config = folder.ReadConfig();
        string target = Path.Combine(temp, CheckpointFolder.ConfigFile);
        if (config.ModelConfig is not { } node || T2IModelConfig.FromJson(node, folder.Path).TextWeights is not { } text)
        {
            File.Copy(folder.File(CheckpointFolder.ConfigFile), target);
            return;
        }
        node["text_weights"] = System.Text.Json.JsonSerializer.SerializeToNode(text.CopyInto(temp, folder.Path), T2IModelConfig.Json);
        File.WriteAllText(target, config.ToJson());
    }

    /// <summary>The codec as sampling needs it: an aligned tokenizer's decoder alone, any other codec whole.</summary>
    private static void WriteCodec(CheckpointFolder folder, string target)
    {
        string source = folder.File(LatentCodecs.WeightsFileName);
        if (folder.ReadConfig().ModelConfig?["codec"]?["kind"]?.GetValue<string>() == AlignedTokenizerCodec.Kind)
            AlignedTokenizerCodec.SaveDecoderOnly(source, target);
        else File.Copy(source, target);
    }

    public static string Describe(string modelDir) =>
        Directory.Exists(modelDir) ? $"{modelDir}: {Size(modelDir) / 1e6:0.00} MB" : "not exported";

    public static long Size(string dir) => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}

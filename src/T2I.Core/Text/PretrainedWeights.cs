using static TorchSharp.torch;
using T2I.Core.Checkpoints;

namespace T2I.Core.Text;

/// <summary>
/// Loads upstream (HF transformers) safetensors into a module whose parameter names equal the upstream keys:
/// one <c>model.safetensors</c> or the shards <c>*.safetensors</c> of a folder. Every module tensor must be
/// found; file tensors the map drops (tied or derived buffers) are ignored.
/// </summary>
public static class PretrainedWeights
{
    public static void Load(nn.Module module, string fileOrFolder, Func<string, string?>? map = null)
    {
        var files = Directory.Exists(fileOrFolder)
            ? Directory.GetFiles(fileOrFolder, "*.safetensors").OrderBy(f => f, StringComparer.Ordinal).ToArray()
            : new[] { fileOrFolder };
        if (files.Length == 0 || !files.All(File.Exists))
            throw new FileNotFoundException($"No safetensors weights at '{fileOrFolder}'.");
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var file in files)
        {
            var report = ModuleWeights.Load(module, file, strict: false, map);
            loaded.UnionWith(report.Loaded);
            problems.AddRange(report.Unexpected.Select(k => $"unexpected {k} in {Path.GetFileName(file)}"));
            problems.AddRange(report.ShapeMismatches.Select(m => $"shape {m}"));
        }
        problems.AddRange(module.state_dict().Keys.Where(k => !loaded.Contains(k)).Select(k => $"missing {k}"));
        if (problems.Count > 0)
            throw new InvalidDataException($"Weights at '{fileOrFolder}' do not fit {module.GetName()}: " +
                $"{string.Join("; ", problems.Take(20))}" +
                (problems.Count > 20 ? $" … and {problems.Count - 20} more" : ""));
    }
}

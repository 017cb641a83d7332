namespace T2I.Core.Text;

/// <summary>
/// Where a <c>t5+clip</c> model's frozen text encoders live: two HF folders (config, tokenizer files, safetensors) and
/// the T5 token cap the DiT trained with, recorded in the checkpoint's <c>model_config.text_weights</c>. A training
/// checkpoint names the absolute folders it trained with; an exported model folder carries copies under
/// <see cref="ExportDir"/> and names them relative to itself, so a worker that mounts only the model folder
/// (<c>/models/t2i-256</c>) finds them.
/// </summary>
public sealed record TextEncoderWeights(string T5, string Clip, int MaxT5Tokens)
{
    /// <summary>The sub-folder of an exported model folder that holds <c>t5/</c> and <c>clip/</c>.</summary>
    public const string ExportDir = "text_encoders";

    /// <summary>The folders named absolutely (relative names resolve against <paramref name="modelFolder"/>).</summary>
    public TextEncoderWeights ResolvedAgainst(string modelFolder) =>
        this with { T5 = Path.GetFullPath(T5, modelFolder), Clip = Path.GetFullPath(Clip, modelFolder) };

    /// <summary>
    /// Copies both folders' files into <paramref name="modelFolder"/>/<see cref="ExportDir"/> and returns the record
    /// naming the copies relative to it. Copies, not links: the model folder is swapped in atomically and served from a
    /// read-only volume where the training machine's paths do not exist.
    /// </summary>
    public TextEncoderWeights CopyInto(string modelFolder, string sourceFolder)
    {
        var from = ResolvedAgainst(sourceFolder);
        string t5 = Path.Combine(ExportDir, "t5"), clip = Path.Combine(ExportDir, "clip");
        CopyFiles(from.T5, Path.Combine(modelFolder, t5));
        CopyFiles(from.Clip, Path.Combine(modelFolder, clip));
        return this with { T5 = t5, Clip = clip };
    }

    private static void CopyFiles(string from, string to)
    {
        if (!Directory.Exists(from)) throw new DirectoryNotFoundException($"text encoder weights '{from}' do not exist.");
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}

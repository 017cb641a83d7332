using System.Text.Json;
using T2I.Training.Loop;

namespace T2I.Training.Dit;

/// <summary>
/// A latent shard folder that is <c>times</c> copies of another (every input shard repeated under a new stem, the
/// manifest's input count multiplied): a dataset of N× the rows for measuring how training scales with data, at no disk
/// cost — the shard and marker files are symbolic links, so only the reader's own memory and planning grow. Local
/// folders only.
/// </summary>
public static class LatentShardRepeat
{
    public static string Write(string source, string target, int times)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        if (source.StartsWith("s3://", StringComparison.Ordinal) || target.StartsWith("s3://", StringComparison.Ordinal))
            throw new ArgumentException("repeating latent shards needs local folders (it links files).");
        string from = Path.GetFullPath(source), to = Path.GetFullPath(target);
        string manifestFile = Path.Combine(from, LatentShardManifest.FileName);
        var manifest = JsonSerializer.Deserialize<LatentShardManifest>(File.ReadAllText(manifestFile), PresetJson.Options)
            ?? throw new InvalidDataException($"{manifestFile} is empty.");
        if (Directory.Exists(to)) Directory.Delete(to, recursive: true);
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(from, file);
            if (relative == LatentShardManifest.FileName) continue;
            string dir = Path.Combine(to, Path.GetDirectoryName(relative)!), stem = Path.GetFileNameWithoutExtension(file);
            Directory.CreateDirectory(dir);
            for (int k = 0; k < times; k++)
                File.CreateSymbolicLink(Path.Combine(dir, $"{stem}-r{k:000}{Path.GetExtension(file)}"), file);
        }
        File.WriteAllBytes(Path.Combine(to, LatentShardManifest.FileName),
            JsonSerializer.SerializeToUtf8Bytes(manifest with { Inputs = manifest.Inputs * times }, PresetJson.Options));
        return to;
    }
}

using T2I.Core.Storage;
using T2I.Core.Synthesis;

namespace T2I.Core.Tests.Support;

/// <summary>Small synthetic shard sets, cached per (count, shards, seed) for the test run — drawing is the slow part.</summary>
public static class SynthSets
{
    private static readonly Dictionary<(int, int, int, double), string> Cache = new();
    private static readonly string Root = Directory.CreateTempSubdirectory("t2i-synth-cache-").FullName;

    public static string Get(int count, int shards, int seed, double defectShare = 0.25)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue((count, shards, seed, defectShare), out var dir)) return dir;
            dir = Path.Combine(Root, $"{count}-{shards}-{seed}-{defectShare}");
            SyntheticShards.WriteAsync(new LocalBlobStore(dir), count, shards, seed, defectShare).GetAwaiter().GetResult();
            return Cache[(count, shards, seed, defectShare)] = dir;
        }
    }

    /// <summary>A private copy (tests that add or damage files must not touch the cache).</summary>
    public static string Copy(string source, string target, Func<string, bool>? include = null)
    {
        Directory.CreateDirectory(target);
        foreach (var f in Directory.GetFiles(source))
            if (include?.Invoke(Path.GetFileName(f)) ?? true) File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
        return target;
    }

    public static string Filters(TempDir tmp, string extra = "")
    {
        var path = tmp.Sub("filters.json");
        File.WriteAllText(path, $$"""{ "blockedDomains": ["{{SyntheticDefects.BlockedDomain}}"] {{extra}} }""");
        return path;
    }
}

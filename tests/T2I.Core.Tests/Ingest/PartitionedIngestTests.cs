using T2I.Core.Data;
using T2I.Core.Ingest;
using T2I.Core.Storage;
using T2I.Core.Synthesis;
using T2I.Core.Tests.Support;

namespace T2I.Core.Tests.Ingest;

/// <summary>
/// Issue 17's promise on one machine: the phases split over several runs (in parallel, in any order) and runs killed at
/// any point end byte-identical to one uninterrupted process, with every planted duplicate — within a shard, across
/// shards, and a whole copied shard — dropped once and no image kept twice.
/// </summary>
public class PartitionedIngestTests
{
    private const int Partitions = 4;

    /// <summary>5 synthetic shards (planted defects, duplicates within and across shards) plus shard 00002 again as 00009.</summary>
    private static string Input(TempDir tmp, int count = 80)
    {
        var input = SynthSets.Copy(SynthSets.Get(count, 5, seed: 5), tmp.Sub("in"));
        foreach (var f in Directory.GetFiles(input, "00002*")) File.Copy(f, f.Replace("00002", "00009"));
        return input;
    }

    private static IngestRunner Runner(string input, string output, string config, IngestOptions options) =>
        new(new LocalBlobStore(input), new LocalBlobStore(output), [256], FilterConfig.Load(config))
        {
            Workers = 1, Options = options with { Source = "synth", DedupPartitions = Partitions },
        };

    [Fact]
    public async Task ThreeRunsPerPhaseInParallelEqualOneProcessAndKeepNoImageTwice()
    {
        using var tmp = new TempDir();
        string input = Input(tmp), config = SynthSets.Filters(tmp);
        var one = await Runner(input, tmp.Sub("one"), config, new IngestOptions()).RunAsync();

        foreach (var phase in new[] { IngestPhase.Screen, IngestPhase.Dedup, IngestPhase.Write })
            await Task.WhenAll(new[] { 2, 0, 1 }.Select(i => Task.Run(() =>
                Runner(input, tmp.Sub("three"), config, new IngestOptions { ShardIndex = i, ShardCount = 3, Phase = phase }).RunAsync())));

        OutputTrees.AssertIdentical(tmp.Sub("one"), tmp.Sub("three"));
        var planted = new SyntheticLaionGenerator(5, 80, 5);
        long plantedDuplicates = Enumerable.Range(0, 5).SelectMany(planted.Shard).Count(s => s.Defect == SyntheticDefect.Duplicate);
        Assert.True(plantedDuplicates >= 2, $"only {plantedDuplicates} planted duplicates");
        // The later copy of shard 00002 loses every sample that reached dedup (all but its metadata drops).
        var (original, copy) = (one.Manifest.Shards["synth_00002"], one.Manifest.Shards["synth_00009"]);
        Assert.Equal(0, copy.Kept);
        Assert.True(copy.Drops[DropReasons.Duplicate] >= original.Kept + original.Drops.GetValueOrDefault(DropReasons.Duplicate));
        Assert.Equal(plantedDuplicates + copy.Drops[DropReasons.Duplicate], one.Manifest.TotalDrops(DropReasons.Duplicate));

        var hashes = new List<string>();
        var store = new LocalBlobStore(tmp.Sub("three"));
        await foreach (var blob in store.ListAsync("res256/"))
        {
            await using var s = await store.OpenReadAsync(blob.Key);
            hashes.AddRange((await BucketShardFile.ReadAsync(s)).Select(r => r.Sha256));
        }
        Assert.Equal(one.Kept, hashes.Count);
        Assert.Equal(hashes.Count, hashes.Distinct().Count());
        // Dedup memory is one partition's share, not the dataset's.
        Assert.InRange(one.DedupEntries, 1, hashes.Count * 2 / Partitions);
    }

    [Fact]
    public async Task RunsKilledInEachPhaseResumeToTheUninterruptedOutput()
    {
        using var tmp = new TempDir();
        string input = Input(tmp, count: 40), config = SynthSets.Filters(tmp), reference = tmp.Sub("ref");
        await Runner(input, reference, config, new IngestOptions()).RunAsync();
        var crashes = new Dictionary<string, Func<string, bool>>
        {
            // Killed while screening shard 00003: two of its partition files written, no marker; later shards untouched.
            ["screen"] = rel => rel.StartsWith("_dedup/") || rel.StartsWith("_commits/") || rel.StartsWith("res")
                || Later(rel, "00004") || rel.Contains("00003") && !rel.StartsWith("_screen/p000/") && !rel.StartsWith("_screen/p001/"),
            // Killed while partition 1 decided shard 00003: partitions 2 and 3 not started, nothing written.
            ["dedup"] = rel => rel.StartsWith("_commits/") || rel.StartsWith("res") || rel.StartsWith("_dedup/p002/")
                || rel.StartsWith("_dedup/p003/") || rel.StartsWith("_dedup/p001/") && Later(rel, "00003"),
            // Killed after shard 00002's files, before its commit; later shards unwritten.
            ["write"] = rel => (rel.StartsWith("_commits/") || rel.StartsWith("res")) && Later(rel, "00003")
                || rel == "_commits/synth_00002.json",
        };
        foreach (var (phase, lost) in crashes)
        {
            string output = tmp.Sub($"killed-{phase}");
            foreach (var f in Directory.GetFiles(reference, "*", SearchOption.AllDirectories))
            {
                string rel = Path.GetRelativePath(reference, f);
                if (lost(rel)) continue;
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(output, rel))!);
                File.Copy(f, Path.Combine(output, rel));
            }
            await Runner(input, output, config, new IngestOptions()).RunAsync();
            OutputTrees.AssertIdentical(reference, output);
        }
    }

    /// <summary>The file belongs to <paramref name="shard"/> or a later one.</summary>
    private static bool Later(string rel, string shard) =>
        string.CompareOrdinal(Path.GetFileNameWithoutExtension(rel), $"synth_{shard}") >= 0;

    [Fact]
    public async Task PhasesOutOfOrderAreRefusedWithoutWritingAnything()
    {
        using var tmp = new TempDir();
        string input = SynthSets.Get(20, 2, seed: 6), config = SynthSets.Filters(tmp);
        var write = Runner(input, tmp.Sub("out"), config, new IngestOptions { Phase = IngestPhase.Write });
        Assert.Contains("not deduplicated", (await Assert.ThrowsAsync<ConfigException>(() => write.RunAsync())).Message);
        var dedup = Runner(input, tmp.Sub("out"), config, new IngestOptions { Phase = IngestPhase.Dedup, ShardCount = 2 });
        Assert.Contains("not screened", (await Assert.ThrowsAsync<ConfigException>(() => dedup.RunAsync())).Message);
        var all = Runner(input, tmp.Sub("out"), config, new IngestOptions { ShardCount = 2 });
        Assert.Contains("--phase", (await Assert.ThrowsAsync<ConfigException>(() => all.RunAsync())).Message);
        Assert.False(Directory.Exists(tmp.Sub("out/res256")));
        Assert.False(Directory.Exists(tmp.Sub("out/_commits")));
    }

    [Fact]
    public async Task TwoInputsWithTheSameShardNamesShareAnOutputAndSeparateRunsMergeByCopying()
    {
        using var tmp = new TempDir();
        string config = SynthSets.Filters(tmp);
        // Both inputs are folders named "laion" holding 00000.tar and 00001.tar: only their locations differ.
        string a = SynthSets.Copy(SynthSets.Get(40, 2, seed: 11), tmp.Sub("a/laion"));
        string b = SynthSets.Copy(SynthSets.Get(40, 2, seed: 12), tmp.Sub("b/laion"));
        IngestRunner Into(string input, string output) =>
            new(new LocalBlobStore(input), new LocalBlobStore(output), [256], FilterConfig.Load(config)) { Workers = 1 };

        var first = await Into(a, tmp.Sub("joint")).RunAsync();
        var second = await Into(b, tmp.Sub("joint")).RunAsync();
        Assert.Equal((2, 2), (first.ShardsIngested, second.ShardsIngested)); // the second input's 00000 is not "already done"
        var manifest = second.Manifest;
        Assert.Equal(4, manifest.Shards.Count);
        Assert.Equal(2, manifest.Shards.Keys.Select(k => k[..k.LastIndexOf('_')]).Distinct().Count());

        // Each input ingested into its own output, then the two trees copied together: the same files as the joint run.
        await Into(a, tmp.Sub("sep-a")).RunAsync();
        await Into(b, tmp.Sub("sep-b")).RunAsync();
        foreach (var dir in new[] { tmp.Sub("sep-a"), tmp.Sub("sep-b") })
            foreach (var file in Directory.GetFiles(dir, "*", SearchOption.AllDirectories))
            {
                string target = Path.Combine(tmp.Sub("merged"), Path.GetRelativePath(dir, file));
                // Only the configuration-only manifest.json is in both, and it is the same file.
                if (File.Exists(target)) Assert.Equal(File.ReadAllBytes(target), File.ReadAllBytes(file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: true);
            }
        OutputTrees.AssertIdentical(tmp.Sub("joint"), tmp.Sub("merged"));
        Assert.Equal(first.Kept + second.Kept, (await IngestManifest.LoadAsync(new LocalBlobStore(tmp.Sub("merged")),
            CancellationToken.None))!.Shards.Values.Sum(s => s.Kept));
    }

    [Fact]
    public void SourceTagsAreReadableAndDifferForDifferentLocations()
    {
        Assert.Matches("^laion-[0-9a-f]{8}$", IngestLayout.SourceTag("s3://a/laion/"));
        Assert.NotEqual(IngestLayout.SourceTag("s3://a/laion"), IngestLayout.SourceTag("s3://b/laion"));
        Assert.Equal(IngestLayout.SourceTag("s3://a/laion"), IngestLayout.SourceTag("s3://a/laion/"));
        Assert.Throws<ConfigException>(() => IngestLayout.CheckSource("a/b"));
    }
}

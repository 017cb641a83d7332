using T2I.DataPrep.Tests.Support;
using T2I.Core.Ingest;
using T2I.Core.Storage;
using T2I.Core.Tests.Support;

namespace T2I.DataPrep.Tests.Ingest;

/// <summary>`dataprep ingest --shard-index I --shard-count N --phase P`, as a Kubernetes indexed Job or a shell loop runs it.</summary>
public class ShardIndexTests
{
    [Fact]
    public async Task TwoHalvesPhaseByPhaseEqualOneRun()
    {
        using var tmp = new TempDir();
        string input = SynthSets.Get(40, 4, seed: 3), config = SynthSets.Filters(tmp);
        string[] common = ["--input", input, "--resolution", "256", "--config", config, "--workers", "1"];
        Assert.Equal(0, (await InProcessCli.RunAsync(["ingest", .. common, "--output", tmp.Sub("one")])).Code);

        foreach (var phase in new[] { "screen", "dedup", "write" })
            foreach (var index in new[] { "1", "0" })
            {
                var (code, err) = await InProcessCli.RunAsync(["ingest", .. common, "--output", tmp.Sub("halves"), "--phase", phase, "--shard-index", index,
                    "--shard-count", "2"]);
                Assert.True(code == 0, err);
                if (phase == "write")
                {
                    var done = (await IngestManifest.LoadAsync(new LocalBlobStore(tmp.Sub("halves")), default))!.Shards.Keys;
                    // Index 1 wrote the 2nd and 4th input shard, index 0 then the 1st and 3rd.
                    Assert.Equal(index == "1" ? 2 : 4, done.Count);
                    if (index == "1") Assert.All(done, k => Assert.Matches("_0000[13]$", k));
                }
            }
        OutputTrees.AssertIdentical(tmp.Sub("one"), tmp.Sub("halves"));
    }

    [Fact]
    public async Task APartitionedRunWithoutAPhaseOrWithABadIndexIsAConfigError()
    {
        using var tmp = new TempDir();
        string input = SynthSets.Get(20, 2, seed: 3);
        var (code, err) = await InProcessCli.RunAsync("ingest", "--input", input, "--output", tmp.Sub("o"), "--resolution", "256", "--shard-count", "2");
        Assert.Equal(2, code);
        Assert.Contains("--phase", err);
        (code, err) = await InProcessCli.RunAsync("ingest", "--input", input, "--output", tmp.Sub("o"), "--resolution", "256", "--shard-count", "2",
            "--shard-index", "2", "--phase", "screen");
        Assert.Equal(2, code);
        Assert.Contains("--shard-index", err);
    }
}

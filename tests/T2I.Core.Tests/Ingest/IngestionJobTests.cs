using T2I.Core.Storage;
using T2I.Core.Ingest;
using T2I.Core.Tests.Support;

namespace T2I.Core.Tests.Ingest;

public class IngestionJobTests
{
    [Fact]
    public async Task TwoServersFiringAtOnceIngestEachShardOnceAndTheResultEqualsASingleRun()
    {
        using var tmp = new TempDir();
        var input = SynthSets.Get(80, 2, seed: 3);
        string config = SynthSets.Filters(tmp);
        await new IngestRunner(new LocalBlobStore(input), new LocalBlobStore(tmp.Sub("ref")), [256], FilterConfig.Load(config)).RunAsync();

        var results = await Task.WhenAll(
            Task.Run(() => new IngestionJob().RunAsync(input, tmp.Sub("out"), [256], config, default)),
            Task.Run(() => new IngestionJob().RunAsync(input, tmp.Sub("out"), [256], config, default)));
        // No lease: both run; each shard's commit is claimed by exactly one of them.
        int Ingested(string r) => int.Parse(System.Text.RegularExpressions.Regex.Match(r, @"ingested (\d+) shards").Groups[1].Value);
        Assert.Equal(2, results.Sum(Ingested));
        OutputTrees.AssertIdentical(tmp.Sub("ref"), tmp.Sub("out"));

        // The next scheduled run finds nothing new.
        Assert.StartsWith("ingested 0 shards", await new IngestionJob().RunAsync(input, tmp.Sub("out"), [256], config, default));
    }
}

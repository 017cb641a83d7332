using T2I.DataPrep.Tests.Support;
using T2I.Core.Storage;
using T2I.Core.Ingest;
using T2I.Core.Tests.Support;

namespace T2I.DataPrep.Tests.Ingest;

/// <summary>
/// The crash-safety promise, tested on the real executable: kill -9 (Process.Kill = SIGKILL) the ingest process
/// at several moments — while screening, while deduplicating, while a shard's outputs exist but are not yet
/// committed, and after some commits — rerun each time, and the final output must equal an uninterrupted run byte
/// for byte.
/// </summary>
public class KillAndRerunTests
{
    [Fact]
    public async Task KilledRunsResumeToExactlyTheUninterruptedOutput()
    {
        using var tmp = new TempDir();
        var input = SynthSets.Get(160, 8, seed: 4);
        string config = SynthSets.Filters(tmp);
        await new IngestRunner(new LocalBlobStore(input), new LocalBlobStore(tmp.Sub("ref")), [256], FilterConfig.Load(config))
        {
            Options = new IngestOptions { Source = "synth" },
        }.RunAsync();

        string output = tmp.Sub("killed");
        string[] args = ["ingest", "--input", input, "--output", output, "--resolution", "256", "--config", config, "--source", "synth"];
        var triggers = new Func<bool>[]
        {
            () => Count(output, "_screen") > 0,                                    // screening, before any shard is marked
            () => Count(output, "_dedup") > 0,                                     // deduplicating
            () => UncommittedOutputExists(output),                                 // a shard's files written, its commit not yet
            () => Count(output, IngestLayout.CommitsPrefix) >= 3,                  // a few commits in
            () => UncommittedOutputExists(output) && Count(output, IngestLayout.CommitsPrefix) >= 5, // again, later
        };
        int killedWhileRunning = 0;
        foreach (var trigger in triggers)
        {
            using var p = DataprepProcess.Start(args);
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!p.HasExited && !trigger() && DateTime.UtcNow < deadline) await Task.Delay(5);
            if (!p.HasExited)
            {
                p.Kill();
                killedWhileRunning++;
            }
            await p.WaitForExitAsync();
        }
        Assert.True(killedWhileRunning >= 4, $"only {killedWhileRunning} kills hit a running process");

        Assert.Equal(0, await DataprepProcess.RunAsync(TimeSpan.FromMinutes(3), args));
        OutputTrees.AssertIdentical(tmp.Sub("ref"), output);
    }

    private static int Count(string output, string prefix)
    {
        var dir = Path.Combine(output, prefix.TrimEnd('/'));
        try { return Directory.Exists(dir) ? Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Length : 0; }
        catch (IOException) { return 0; }
    }

    private static bool UncommittedOutputExists(string output)
    {
        if (!Directory.Exists(Path.Combine(output, "res256"))) return false;
        int committed = Count(output, IngestLayout.CommitsPrefix);
        var shardsWithFiles = Directory.GetFiles(Path.Combine(output, "res256"), "*.parquet", SearchOption.AllDirectories)
            .Select(Path.GetFileNameWithoutExtension).Distinct().Count();
        return shardsWithFiles > committed;
    }
}

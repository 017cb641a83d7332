using T2I.Core.Checkpoints;
using T2I.Core.Inference;
using T2I.Core.Metrics;
using T2I.Training.Dit;
using T2I.Training.Loop;
using T2I.Training.Tests.Loop;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Dit;

/// <summary>
/// `training launch` of a tiny DiT on streamed latent shards as a real process, killed with SIGKILL after a checkpoint
/// and relaunched: the run ends bit-identical (weights, EMA, optimizer, RNG, reader position, metrics) to one that was
/// never interrupted.
/// </summary>
[Collection(GlobalTorchState.Name)]
public class DitKillResumeProcessTests
{
    private const long Steps = 30;
    /// <summary>Two buckets of 24 rows in batches of 8: 6 batches per epoch; checkpoints every 7 steps all fall mid-epoch.</summary>
    private const int BatchesPerEpoch = 6;

    private static string[] Launch(string runDir, string latents) =>
        ["launch", "t2i-tiny", "--run-dir", runDir, "--device", "cpu", "--set", $"latent_shards={latents}", "--set", "latents=dct",
         "--set", "resolution=64", "--set", "shard_resolution=64", "--set", "eval_prompts=0", "--set", "eval_every=0",
         "--set", $"steps={Steps}", "--set", "batch_size=8", "--set", "warmup_steps=5", "--set", "checkpoint_every=7",
         "--set", "keep_last=10", "--set", "threads=1"];

    [Fact]
    public void KillNineMidEpochThenRelaunchEqualsTheUninterruptedRun()
    {
        using var tmp = new TempDir();
        string data = DitTestData.WriteShards(tmp.Sub("data"), perBucket: 24, sources: 2);
        string latents = tmp.Sub("latents");
        LatentEncoder.Run(new LatentEncodeJob(data, 64, 64, latents), new DctPatchCodec(), LatentCodecs.Dct, CPU, _ => { });

        var (code, _, err) = TrainingProcess.Run(TrainingProcess.Start(Launch(tmp.Sub("straight"), latents)));
        Assert.True(code == 0, err);

        string run = tmp.Sub("killed");
        var victim = TrainingProcess.Start(Launch(run, latents));
        TrainingProcess.WaitForCheckpoint(victim, run);
        victim.Kill();   // SIGKILL: no handler runs, no final checkpoint
        victim.WaitForExit();
        Assert.NotEqual(0, victim.ExitCode);
        var resumedFrom = CheckpointFolder.Open(run);
        long reached = MetricsLog.Read(Path.Combine(run, TrainingLoop.MetricsFile)).Max(r => r.Step);
        Assert.True(reached < Steps, $"the process finished ({reached} steps) before it was killed");
        Assert.NotEqual(0, resumedFrom.Step % BatchesPerEpoch); // the reader resumes inside an epoch, not at its start

        var (again, _, err2) = TrainingProcess.Run(TrainingProcess.Start(Launch(run, latents)));
        Assert.True(again == 0, err2);
        Assert.Contains("Resuming t2i-tiny", err2);
        Assert.Equal(Steps, CheckpointFolder.Open(run).Step);
        RunAssert.SameRun(tmp.Sub("straight"), run);
    }
}

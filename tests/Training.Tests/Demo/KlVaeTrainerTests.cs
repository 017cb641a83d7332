using T2I.Core.Checkpoints;
using T2I.Core.VisualTokenizer;
using T2I.Core.VisualTokenizer.Baseline;
using T2I.Training.Demo;
using T2I.Training.Tests.Dit;
using T2I.Training.Loop;
using T2I.Training.Presets;
using T2I.Training.Tests.Loop;
using static TorchSharp.torch;
using T2I.Core.Inference;

namespace T2I.Training.Tests.Demo;

[Collection(GlobalTorchState.Name)]
public class KlVaeTrainerTests
{
    private static readonly KlVaeConfig Micro = new(new DecoderConfig(4, 8, new[] { 1, 1, 1, 2, 2 }, 1, new[] { 4 }, NormGroups: 4));

    private static Preset<KlVaeTrainConfig> Preset(string data, long steps, double ema = 0.9) => new("kl-vae-test", "test",
        new LoopSettings { Steps = steps, BatchSize = 4, Lr = 2e-3, CheckpointEvery = steps, EmaDecay = ema, Seed = 3, EvalEvery = 0 },
        new KlVaeTrainConfig
        {
            Vae = Micro, Discriminator = new PatchDiscriminatorConfig(8, 1), Data = data, ShardResolution = 64, TrainResolution = 64,
            GanStartStep = 2, EvalBatches = 3, LabelClasses = ["circle", "square", "triangle"],
        }, new KlVaeTrainerFactory());

    private static RunResult Run(Preset<KlVaeTrainConfig> preset, string runDir) =>
        TrainingLoop.Run(preset, new RunOptions(runDir) { Device = "cpu", WritePlots = false, SkipMemoryCheck = true, Log = _ => { } });

    [Fact]
    public async Task TrainsWithKlAndGanThenLoadsForInferenceFromTheCheckpointAndEvaluates()
    {
        using var tmp = new TempDir();
        string data = Path.Combine(tmp.Path, "buckets"), run = Path.Combine(tmp.Path, "run");
        DitTestData.WriteShards(data, perBucket: 12);
        var result = Run(Preset(data, 4), run);
        Assert.True(result.Completed);
        var curve = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"));
        Assert.Contains(curve, l => l.Contains("\"loss/kl\""));
        Assert.Contains(curve, l => l.Contains("\"gan/adaptive_weight\"")); // GAN on after step 2
        Assert.Contains(curve, l => l.Contains("\"eval/psnr\"") && l.Contains("\"eval/lp_acc/latent\""));
        Assert.True(File.Exists(Path.Combine(run, "eval", "step-00000004", "reconstructions.png")));

        // Round trip: the run folder loads as a codec with the EMA weights, and a second load encodes identically.
        var folder = CheckpointFolder.Latest(CheckpointFolder.CheckpointsDir(run))!;
        Assert.Equal("kl-vae", folder.ReadConfig().ModelConfig!["kind"]!.GetValue<string>());
        using var vae = KlVaeCheckpoint.Open(LatentCodecs.Describe(run));
        var ema = SafeTensors.Load(folder.File(CheckpointFolder.EmaFile));
        foreach (var (name, tensor) in vae.state_dict()) Assert.True(TensorAssert.BitEqual(ema[name], tensor), name);
        // Through the DiT's codec switch (kind kl-vae), as `--set latents=<run>` opens it.
        using var again = Assert.IsType<KlVae>(T2I.Core.Inference.LatentCodecs.Open(folder.Path));
        using var images = rand(1, 3, 48, 80) * 2 - 1;
        using var z = vae.Encode(images);
        Assert.Equal(new long[] { 1, 4, 3, 5 }, z.shape);
        Assert.True(TensorAssert.BitEqual(z, again.Encode(images)));
        Assert.Equal(new long[] { 1, 3, 48, 80 }, vae.Decode(z).shape);

        // `training eval` takes it too: no encoder of its own, so only the fixed ResNet-18 reference columns.
        string report = Path.Combine(tmp.Path, "report");
        var (code, _, error) = await TrainingCli.Invoke(["eval", "--run", run, "--data", data, "--shard-resolution", "64",
            "--samples", "32", "--fields", "shape", "--out", report, "--device", "cpu"]);
        Assert.True(code == 0, error);
        var m = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(report, "eval.json")))!["runs"]![0]!["metrics"]!
            .AsObject();
        Assert.True(m.ContainsKey("psnr") && m.ContainsKey("se_cknna/latent_vs_resnet18") && m.ContainsKey("lp_acc/resnet18/shape"));
        Assert.False(m.ContainsKey("lp_acc/encoder/shape"));
    }

    [Fact]
    public void AFewTrainerStepsLowerTheReconstructionLoss()
    {
        using var tmp = new TempDir();
        string data = Path.Combine(tmp.Path, "buckets");
        DitTestData.WriteShards(data, perBucket: 12);
        var preset = Preset(data, 30, ema: 0);
        preset = preset with { Config = preset.Config with { GanStartStep = 1000 } }; // L1 + KL only: a clean curve
        Run(preset, Path.Combine(tmp.Path, "run"));
        var l1 = File.ReadAllLines(Path.Combine(tmp.Path, "run", "metrics.jsonl"))
            .Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!).Where(n => n["loss/l1"] is not null)
            .Select(n => n["loss/l1"]!.GetValue<double>()).ToList();
        Assert.Equal(30, l1.Count);
        Assert.True(l1.TakeLast(5).Average() < 0.9 * l1.Take(5).Average(), $"L1 {l1.Take(5).Average():0.000} → {l1.TakeLast(5).Average():0.000}");
    }

    [Theory]
    [InlineData("kl-vae-tiny", "tok-tiny")]
    [InlineData("kl-vae-emoji", "tok-emoji")]
    public void PresetsHaveTheAlignedChainsLatentShapeDataAndBudget(string klVae, string chain)
    {
        var baseline = (Preset<KlVaeTrainConfig>)PresetRegistry.Get(klVae);
        var aligned = (Preset<T2I.Training.Tokenizer.TokenizerStageConfig>)PresetRegistry.Get(chain + "-s1");
        Assert.Equal(aligned.Config.Tokenizer.LatentChannels, baseline.Config.Vae.LatentChannels);
        Assert.Equal(aligned.Config.Tokenizer.Decoder, baseline.Config.Vae.Decoder);
        Assert.Equal(aligned.Config.TrainResolution, baseline.Config.TrainResolution);
        Assert.Equal(aligned.Config.Data, baseline.Config.Data);
        Assert.Equal(aligned.Config.Perceptual == T2I.Training.Tokenizer.PerceptualTerm.ResNet,
            baseline.Config.Perceptual == T2I.Training.Tokenizer.PerceptualTerm.ResNet);
        long reconstructionImages = new[] { "-s1", "-s2", "-s3" }
            .Sum(s => PresetRegistry.Get(chain + s).Loop is var l ? l.Steps * l.BatchSize : 0);
        Assert.Equal(reconstructionImages, baseline.Loop.Steps * baseline.Loop.BatchSize); // the reconstruction budget of s1 + s2 + s3
    }
}

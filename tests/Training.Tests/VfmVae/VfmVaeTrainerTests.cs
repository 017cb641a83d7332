using T2I.Core.Checkpoints;
using T2I.Core.Inference;
using T2I.Core.VisualTokenizer;
using T2I.Core.VisualTokenizer.VfmVae;
using T2I.Training.Loop;
using T2I.Training.Presets;
using T2I.Training.Tests.Dit;
using T2I.Training.Tests.Loop;
using T2I.Training.VfmVae;
using static TorchSharp.torch;

namespace T2I.Training.Tests.VfmVae;

[Collection(GlobalTorchState.Name)]
public class VfmVaeTrainerTests
{
    private static readonly VfmVaeConfig Micro = new()
    {
        FeatureDims = [4, 4, 8], LatentChannels = 4, DecompressDim = 32, ProjectionHeads = 2, StyleDim = 16,
        BlockChannels = [16, 16, 8, 8, 8, 8], MappedDims = [16, 8, 8, 8], AttentionBlocks = 2, NormGroups = 4,
    };

    private static Preset<VfmVaeTrainConfig> Preset(string data, long steps) => new("vfm-vae-test", "test",
        new LoopSettings
        {
            Steps = steps, BatchSize = 4, Lr = 2e-3, CheckpointEvery = 2, KeepLast = 4, EmaDecay = 0.9, Seed = 3,
            EvalEvery = 0
        },
        new VfmVaeTrainConfig
        {
            Vae = Micro, Discriminator = new PatchDiscriminatorConfig(8, 1), Data = data, ShardResolution = 64, TrainResolution = 64,
            GanStartStep = 2, StrongAlignmentSteps = 2, PerceptualWeight = 0, EvalBatches = 2,
            LabelClasses = ["circle", "square", "triangle"],
        }, new VfmVaeTrainerFactory());

    private static RunResult Run(Preset<VfmVaeTrainConfig> preset, string runDir) =>
        TrainingLoop.Run(preset, new RunOptions(runDir) { Device = "cpu", WritePlots = false, SkipMemoryCheck = true, Log = _ => { } });

    [Fact]
    public async Task TrainsAllItsTermsResumesBitExactlyEvaluatesAndServesAsACodec()
    {
        using var tmp = new TempDir();
        string data = Path.Combine(tmp.Path, "buckets"), straight = Path.Combine(tmp.Path, "straight"),
            resumed = Path.Combine(tmp.Path, "resumed");
        DitTestData.WriteShards(data, perBucket: 8);
        Assert.True(Run(Preset(data, 4), straight).Completed);
        var lines = File.ReadAllLines(Path.Combine(straight, "metrics.jsonl"));
        foreach (string key in new[] { "loss/vf_mcos", "loss/vf_mdms", "vf/adaptive_weight", "loss/kl", "loss/l1_2px", "loss/l1_32px" })
            Assert.Contains(lines, l => l.Contains($"\"{key}\""));
        Assert.Contains(lines, l => l.Contains("\"gan/adaptive_weight\"")); // GAN from step 2
        Assert.Contains(lines, l => l.Contains("\"eval/psnr\"") && l.Contains("\"eval/lp_acc/latent\""));

        // Two steps, stop, relaunch to four: the same weights as four steps in one go (constant LR, same RNG state).
        Assert.True(Run(Preset(data, 2), resumed).Completed);
        Assert.True(Run(Preset(data, 4), resumed).Completed);
        var a = SafeTensors.Load(CheckpointFolder.Latest(CheckpointFolder.CheckpointsDir(straight))!.File(CheckpointFolder.ModelFile));
        var b = SafeTensors.Load(CheckpointFolder.Latest(CheckpointFolder.CheckpointsDir(resumed))!.File(CheckpointFolder.ModelFile));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        var differing = a.Keys.Where(k => !TensorAssert.BitEqual(a[k], b[k])).ToList();
        Assert.True(differing.Count == 0, $"{differing.Count} of {a.Count} differ: {string.Join(", ", differing.Take(12))}");

        // The VFM stayed the packaged ResNet-18 (frozen), and the run opens as a `--set latents=` codec.
        var folder = CheckpointFolder.Latest(CheckpointFolder.CheckpointsDir(straight))!;
        Assert.Equal(VfmVaeConfig.KindName, folder.ReadConfig().ModelConfig!["kind"]!.GetValue<string>());
        using var pretrained = T2I.Core.Pretrained.ResNet.ResNet18Weights.FromPackage();
        var stem = pretrained.state_dict().First(kv => kv.Key.EndsWith("weight"));
        Assert.True(TensorAssert.BitEqual(stem.Value, a["vfm.resnet." + stem.Key]), "the VFM did not train");
        using var codec = Assert.IsType<T2I.Core.VisualTokenizer.VfmVae.VfmVae>(LatentCodecs.Open(straight));
        using var images = rand(1, 3, 48, 80) * 2 - 1;
        using var z = codec.Encode(images);
        Assert.Equal(new long[] { 1, 4, 3, 5 }, z.shape);
        Assert.Equal(new long[] { 1, 3, 48, 80 }, codec.Decode(z).shape);

        // `training eval` measures it like the other kinds: its VFM is its encoder, SE-CKNNA against the fixed ResNet-18.
        string report = Path.Combine(tmp.Path, "report");
        var (code, output, error) = await TrainingCli.Invoke(["eval", "--run", straight, "--data", data, "--shard-resolution", "64",
            "--samples", "32", "--fields", "shape", "--out", report, "--device", "cpu"]);
        Assert.True(code == 0, error);
        Assert.Contains("SE-CKNNA R18", output);
        var run = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(report, "eval.json")))!["runs"]![0]!;
        Assert.Equal(VfmVaeConfig.KindName, (string?)run["stage"]);
        var m = run["metrics"]!.AsObject();
        foreach (string key in new[] { "psnr", "lp_acc/latent/shape", "lp_acc/encoder/shape", "cknna/latent_vs_encoder",
            "se_cknna/latent_vs_resnet18" })
            Assert.True(m.ContainsKey(key), key);
        // The VFM is ResNet-18 to layer3, the reference too: its own-encoder CKNNA and the reference CKNNA are one number.
        Assert.Equal((double)m["cknna/latent_vs_encoder"]!, (double)m["cknna/latent_vs_resnet18"]!, 6);
    }

    [Fact]
    public void TheEmojiPresetHasTheAlignedChainsLatentShapeDataLossesAndBudget()
    {
        var vfm = (Preset<VfmVaeTrainConfig>)PresetRegistry.Get("vfm-vae-emoji");
        var aligned = (Preset<T2I.Training.Tokenizer.TokenizerStageConfig>)PresetRegistry.Get("tok-emoji-s1");
        Assert.Equal(aligned.Config.Tokenizer.LatentChannels, vfm.Config.Vae.LatentChannels);
        Assert.Equal(aligned.Config.Tokenizer.Decoder.DownsamplingFactor, vfm.Config.Vae.Downsampling);
        Assert.Equal((aligned.Config.Data, aligned.Config.TrainResolution), (vfm.Config.Data, vfm.Config.TrainResolution));
        Assert.Equal((aligned.Config.Perceptual, aligned.Config.PerceptualWeight), (vfm.Config.Perceptual, vfm.Config.PerceptualWeight));
        Assert.Equal(aligned.Config.GanStartStep, vfm.Config.GanStartStep);
        long budget = new[] { "-s1", "-s2", "-s3" }.Sum(s => PresetRegistry.Get("tok-emoji" + s).Loop is var l ? l.Steps * l.BatchSize : 0);
        Assert.Equal(budget, vfm.Loop.Steps * vfm.Loop.BatchSize);
    }
}

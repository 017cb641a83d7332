using T2I.Core.Checkpoints;
using T2I.Core.VisualTokenizer;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.VisualTokenizer;

public sealed class WeightLoadingTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("t2i-tok-weights-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>A timm-style state dict written by hand: upstream key names and shapes, a 4×4 position grid.</summary>
    private static Dictionary<string, Tensor> TimmStateDict(int width, int depth, int registers, int grid, bool classPosition)
    {
        var sd = new Dictionary<string, Tensor>
        {
            ["cls_token"] = randn(1, 1, width),
            ["pos_embed"] = randn(1, grid * grid + (classPosition ? 1 : 0), width),
            ["patch_embed.proj.weight"] = randn(width, 3, 14, 14),
            ["patch_embed.proj.bias"] = randn(width),
            ["norm.weight"] = randn(width), ["norm.bias"] = randn(width),
            ["head.weight"] = randn(10, width), ["head.bias"] = randn(10), // timm classifier: not part of the encoder
        };
        if (registers > 0) sd["reg_token"] = randn(1, registers, width);
        for (int b = 0; b < depth; b++)
        {
            string p = $"blocks.{b}.";
            foreach (var n in new[] { "norm1", "norm2" }) { sd[p + n + ".weight"] = randn(width); sd[p + n + ".bias"] = randn(width); }
            sd[p + "attn.qkv.weight"] = randn(3 * width, width); sd[p + "attn.qkv.bias"] = randn(3 * width);
            sd[p + "attn.proj.weight"] = randn(width, width); sd[p + "attn.proj.bias"] = randn(width);
            sd[p + "ls1.gamma"] = randn(width); sd[p + "ls2.gamma"] = randn(width);
            sd[p + "mlp.fc1.weight"] = randn(4 * width, width); sd[p + "mlp.fc1.bias"] = randn(4 * width);
            sd[p + "mlp.fc2.weight"] = randn(width, 4 * width); sd[p + "mlp.fc2.bias"] = randn(width);
        }
        return sd;
    }

    [Theory]
    [InlineData(4, false)] // vit_*_reg4_dinov2 layout: patches-only table
    [InlineData(0, true)]  // vit_*_dinov2 layout: class position row
    public void LoadsTimmLayoutAndResamplesThePositionTable(int registers, bool classPosition)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(10);
        var source = TimmStateDict(24, 2, registers, grid: 4, classPosition);
        string path = Path.Combine(dir, "dinov2.safetensors");
        SafeTensors.Save(path, source);

        var config = new VisionTransformerConfig(24, 2, 2, registers, PretrainGrid: 6, ClassTokenHasPosition: classPosition);
        var vit = new VisionTransformer(config);
        TimmVitWeights.LoadInto(vit, path);
        var loaded = vit.state_dict();

        Assert.True(allclose(loaded["blocks.1.attn.qkv.weight"], source["blocks.1.attn.qkv.weight"], 0, 0));
        Assert.True(allclose(loaded["blocks.0.ls2.gamma"], source["blocks.0.ls2.gamma"], 0, 0));
        Assert.True(allclose(loaded["cls_token"], source["cls_token"], 0, 0));
        int prefix = classPosition ? 1 : 0;
        Assert.Equal(new long[] { 1, 36 + prefix, 24 }, loaded["pos_embed"].shape);
        if (classPosition) Assert.True(allclose(loaded["pos_embed"].narrow(1, 0, 1), source["pos_embed"].narrow(1, 0, 1), 0, 0));
        // Independently: torch's antialiased bicubic on the 4×4 grid laid out as an image.
        var grid = source["pos_embed"].narrow(1, prefix, 16).reshape(1, 4, 4, 24).permute(0, 3, 1, 2);
        var expected = nn.functional.interpolate(grid, new long[] { 6, 6 }, mode: InterpolationMode.Bicubic, align_corners: false, antialias: true)
            .permute(0, 2, 3, 1).reshape(1, 36, 24);
        Assert.True(allclose(loaded["pos_embed"].narrow(1, prefix, 36), expected, 1e-6, 1e-6));
        // And it runs at a third grid (resampled again on the fly).
        Assert.Equal(new long[] { 1, 1 + registers + 15, 24 }, vit.forward(randn(1, 3, 42, 70)).shape);
    }

    [Fact]
    public void RejectsACheckpointThatDoesNotFit()
    {
        using var scope = NewDisposeScope();
        var source = TimmStateDict(24, 2, 4, 4, false);
        source.Remove("blocks.1.ls1.gamma");
        source["blocks.0.extra.weight"] = zeros(2);
        string path = Path.Combine(dir, "broken.safetensors");
        SafeTensors.Save(path, source);
        var e = Assert.Throws<InvalidDataException>(() =>
            TimmVitWeights.LoadInto(new VisionTransformer(new VisionTransformerConfig(24, 2, 2, 4, PretrainGrid: 4)), path));
        Assert.Contains("blocks.1.ls1.gamma", e.Message);
        Assert.Contains("blocks.0.extra.weight", e.Message);
    }

    [Fact]
    public void LoadsLpipsFromTorchvisionVggPlusLinearLayers()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        // torchvision vgg16 "features.N" convs at their real indices and sizes + lpips "linK.model.1.weight".
        var sd = new Dictionary<string, Tensor>();
        int[][] convs = { new[] { 0, 2 }, new[] { 5, 7 }, new[] { 10, 12, 14 }, new[] { 17, 19, 21 }, new[] { 24, 26, 28 } };
        int inCh = 3;
        for (int s = 0; s < 5; s++)
        {
            foreach (int i in convs[s])
            {
                sd[$"features.{i}.weight"] = randn(Lpips.Vgg16Widths[s], inCh, 3, 3) * 0.05;
                sd[$"features.{i}.bias"] = zeros(Lpips.Vgg16Widths[s]);
                inCh = Lpips.Vgg16Widths[s];
            }
            sd[$"lin{s}.model.1.weight"] = rand(1, Lpips.Vgg16Widths[s], 1, 1);
        }
        sd["scaling_layer.shift"] = tensor(new[] { -.030f, -.088f, -.188f }).view(1, 3, 1, 1);
        string path = Path.Combine(dir, "lpips.safetensors");
        SafeTensors.Save(path, sd);

        var lpips = Lpips.TryLoad(path)!;
        var loaded = lpips.state_dict();
        Assert.True(allclose(loaded["net.slice3.14.weight"], sd["features.14.weight"], 0, 0));
        Assert.True(allclose(loaded["lin4.model.1.weight"], sd["lin4.model.1.weight"], 0, 0));
        var x = rand(1, 3, 32, 32) * 2 - 1;
        Assert.True(lpips.forward(x, x.flip(3)).item<float>() > 0);
    }

    [Fact]
    public void TokenizerLoadsFromACheckpointFolderPreferringEma()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(12);
        var config = AlignedTokenizerConfig.Tiny;
        var model = new AlignedTokenizer(config);
        var ema = new AlignedTokenizer(config);
        var ckpts = CheckpointFolder.CheckpointsDir(dir);
        CheckpointFolder.Write(ckpts, new CheckpointConfig
        {
            Step = 7,
            ModelConfig = System.Text.Json.Nodes.JsonNode.Parse(config.ToJson()),
        }, tmp =>
        {
            ModuleWeights.Save(model, Path.Combine(tmp, CheckpointFolder.ModelFile));
            ModuleWeights.Save(ema, Path.Combine(tmp, CheckpointFolder.EmaFile));
        });

        var loaded = AlignedTokenizerCheckpoint.Load(dir); // the run folder: its latest checkpoint
        Assert.Equal(config, loaded.Config);
        var images = rand(1, 3, 32, 48) * 2 - 1;
        using (no_grad())
        {
            Assert.True(allclose(loaded.Encode(images), ema.Encode(images), 1e-5, 1e-6));
            Assert.False(allclose(loaded.Encode(images), model.Encode(images), 1e-3, 1e-3));
        }
    }
}

using T2I.Core.Nn;
using T2I.Core.VisualTokenizer;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.VisualTokenizer;

public class VisionTransformerTests
{
    private static readonly VisionTransformerConfig Small = new(32, 2, 4, Registers: 4, PretrainGrid: 6);

    [Fact]
    public void ParameterNamesAndShapesAreTimms()
    {
        using var scope = NewDisposeScope();
        var vit = new VisionTransformer(Small);
        var shapes = vit.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(new long[] { 1, 1, 32 }, shapes["cls_token"]);
        Assert.Equal(new long[] { 1, 4, 32 }, shapes["reg_token"]);
        Assert.Equal(new long[] { 1, 36, 32 }, shapes["pos_embed"]); // patches only (no_embed_class)
        Assert.Equal(new long[] { 32, 3, 14, 14 }, shapes["patch_embed.proj.weight"]);
        foreach (var key in new[] { "norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight",
                     "ls1.gamma", "norm2.weight", "mlp.fc1.weight", "mlp.fc2.bias", "ls2.gamma" })
            Assert.Contains($"blocks.1.{key}", shapes.Keys);
        Assert.Equal(new long[] { 96, 32 }, shapes["blocks.0.attn.qkv.weight"]);
        Assert.Equal(new long[] { 128, 32 }, shapes["blocks.0.mlp.fc1.weight"]);
        Assert.Contains("norm.weight", shapes.Keys);
        Assert.Equal(3 + 2 + 2 * 14 + 2, shapes.Count); // tokens, patch embed, 14 tensors per block, final norm — nothing else
    }

    [Fact]
    public void BlocksStartLikeTimmLinearBiasesZeroAndTheTinyEncoderWithFullLayerScale()
    {
        using var scope = NewDisposeScope();
        var vit = new VisionTransformer(Small);
        var p = vit.named_parameters().ToDictionary(kv => kv.name, kv => kv.parameter);
        foreach (var key in new[] { "attn.qkv.bias", "attn.proj.bias", "mlp.fc1.bias", "mlp.fc2.bias" })
            Assert.Equal(0, p[$"blocks.1.{key}"].abs().max().item<float>());
        var fc1 = p["blocks.0.mlp.fc1.weight"];
        Assert.InRange(fc1.std().item<float>(), 0.018f, 0.022f);          // normal(0.02) — TorchSharp's trunc_normal_ gave a constant
        Assert.InRange(fc1.mean().item<float>(), -0.002f, 0.002f);
        Assert.Equal(1f, p["blocks.0.norm1.weight"].mean().item<float>());                // norms untouched
        Assert.Equal(1e-5f, p["blocks.0.ls1.gamma"].max().item<float>(), 1e-9f);          // DINOv2's value stays the default
        // A from-scratch encoder must not start as (almost) the identity on its patch embedding.
        Assert.Equal(1.0, VisionTransformerConfig.Tiny.LayerScaleInit);
        var tiny = new VisionTransformer(VisionTransformerConfig.Tiny);
        Assert.Equal(1f, tiny.named_parameters().First(kv => kv.name == "blocks.3.ls2.gamma").parameter.min().item<float>());
    }

    [Fact]
    public void WeightDecayExcludesOneDimensionalParametersTokensAndPositions()
    {
        using var scope = NewDisposeScope();
        var vit = new VisionTransformer(Small);
        var excluded = vit.named_parameters().Where(kv => VisionTransformer.ExcludedFromWeightDecay(kv.name, kv.parameter))
            .Select(kv => kv.name).ToHashSet();
        foreach (var name in new[] { "cls_token", "reg_token", "pos_embed", "patch_embed.proj.bias", "blocks.0.ls1.gamma",
                     "blocks.1.norm2.weight", "blocks.1.attn.qkv.bias", "norm.bias" })
            Assert.Contains(name, excluded);
        foreach (var name in new[] { "patch_embed.proj.weight", "blocks.0.attn.qkv.weight", "blocks.1.mlp.fc2.weight" })
            Assert.DoesNotContain(name, excluded);
    }

    [Fact]
    public void NonRegisterVariantHasAClassPositionRow()
    {
        using var scope = NewDisposeScope();
        var vit = new VisionTransformer(Small with { Registers = 0, ClassTokenHasPosition = true });
        var keys = vit.state_dict();
        Assert.False(keys.ContainsKey("reg_token"));
        Assert.Equal(new long[] { 1, 37, 32 }, keys["pos_embed"].shape);
        Assert.Equal(new long[] { 2, 1 + 3 * 5, 32 }, vit.forward(randn(2, 3, 42, 70)).shape);
    }

    [Fact]
    public void FormulaCountMatchesAllocatedModels()
    {
        using var scope = NewDisposeScope();
        foreach (var config in new[] { Small, VisionTransformerConfig.Tiny, Small with { Registers = 0, ClassTokenHasPosition = true } })
        {
            var vit = new VisionTransformer(config);
            Assert.Equal(vit.parameters().Sum(p => p.numel()), config.ParameterCount());
        }
    }

    [Fact]
    public void VitLargeDinov2HasAbout304MParameters()
    {
        // timm reports 304.37M for vit_large_patch14_dinov2 (pos_embed 1370×1024) — counted by the verified formula.
        long plain = VisionTransformerConfig.LargeDinov2.ParameterCount();
        Assert.InRange(plain, 304_300_000, 304_450_000);
        long reg4 = VisionTransformerConfig.LargeReg4Dinov2.ParameterCount();
        Assert.Equal(plain - 1024 + 4 * 1024, reg4); // one class-position row less, four registers more
    }

    [Fact]
    public void TokensAreClassRegistersThenPatchesForAnyGrid()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        var vit = new VisionTransformer(Small);
        foreach (var (h, w) in new[] { (84, 84), (56, 112), (140, 42) })
        {
            var tokens = vit.forward(randn(2, 3, h, w));
            Assert.Equal(new long[] { 2, 1 + 4 + h / 14 * (w / 14), 32 }, tokens.shape);
            Assert.Equal(new long[] { 2, 32, h / 14, w / 14 }, vit.PatchFeatures(randn(2, 3, h, w)).shape);
        }
        Assert.Throws<ArgumentException>(() => vit.forward(randn(1, 3, 50, 56)));
    }

    [Fact]
    public void AttentionMatchesAHandWrittenMultiHeadComputation()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(2);
        var attn = new VitAttention(8, 2);
        var x = randn(1, 5, 8);
        var sd = attn.state_dict();
        var qkv = nn.functional.linear(x, sd["qkv.weight"], sd["qkv.bias"]); // rows: q(8) k(8) v(8)
        var heads = new List<Tensor>();
        for (int h = 0; h < 2; h++)
        {
            var q = qkv.narrow(2, h * 4, 4); var k = qkv.narrow(2, 8 + h * 4, 4); var v = qkv.narrow(2, 16 + h * 4, 4);
            heads.Add(softmax(q.matmul(k.transpose(1, 2)) / 2.0, -1).matmul(v));
        }
        var expected = nn.functional.linear(cat(heads, 2), sd["proj.weight"], sd["proj.bias"]);
        Assert.True(allclose(attn.forward(x), expected, 1e-5, 1e-5));
    }

    [Fact]
    public void PositionResamplingKeepsConstantsAndPrefixRows()
    {
        using var scope = NewDisposeScope();
        var table = cat(new[] { full(1, 1, 4, 7f), full(1, 9, 4, 3f) }, 1); // class row 7, a 3×3 grid of 3
        var resized = PositionEmbedding.Resample(table, 3, 3, 5, 2, prefixRows: 1);
        Assert.Equal(new long[] { 1, 11, 4 }, resized.shape);
        Assert.Equal(7f, resized[0, 0, 0].item<float>());
        Assert.True(allclose(resized.narrow(1, 1, 10), full(1, 10, 4, 3f), 1e-5, 1e-5));
        Assert.Same(table, PositionEmbedding.Resample(table, 3, 3, 3, 3, 1));
    }

    [Fact]
    public void PositionResamplingIsAntialiasedBicubic()
    {
        using var scope = NewDisposeScope();
        // A ±1 checkerboard halved: plain bicubic sampling would keep large ±values, the antialiased filter averages them away.
        var board = (arange(64).reshape(8, 8).remainder(2) * 2 - 1).to(float32);
        board = (board * (arange(8).reshape(8, 1).remainder(2) * 2 - 1)).reshape(1, 64, 1);
        float antialiased = PositionEmbedding.Resample(board, 8, 8, 3, 3, 0).abs().max().item<float>();
        float plain = nn.functional.interpolate(board.reshape(1, 8, 8, 1).permute(0, 3, 1, 2), new long[] { 3, 3 },
            mode: InterpolationMode.Bicubic, align_corners: false).abs().max().item<float>();
        Assert.True(plain > 0.3f, $"plain bicubic {plain}");
        Assert.True(antialiased < plain / 3, $"antialiased {antialiased} vs plain {plain}");
    }
}

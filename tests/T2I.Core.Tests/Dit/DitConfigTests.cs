using T2I.Core.Dit;
using T2I.Core.TorchSharpFixes;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Dit;

public class DitConfigTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ParameterFormulaMatchesAnAllocatedModel(bool variant)
    {
        var config = variant
            ? new DitConfig(16, 96, 3, 2, 1, 40, 24, new[] { 8, 12, 12 }, MlpRatio: 2.5, QkvBias: false)
            : DitConfig.Tiny;
        using var model = new FluxDit(config);
        Assert.Equal(config.ParameterCount(), model.CountParameters());
    }

    [Theory]
    [InlineData(12, 5)]
    [InlineData(6, 1)]
    public void ForwardFlopsEqualTheMultiplyAddsOfTheModelsOwnWeights(int imageTokens, int textTokens)
    {
        // Every width differs from the others (d, mlp, context, vector, channels), so a transposed term cannot hide.
        var config = new DitConfig(16, 96, 3, 2, 3, 40, 24, new[] { 8, 12, 12 }, MlpRatio: 2.5);
        using var model = new FluxDit(config);
        // Independent count: each linear's weight (in × out multiply-adds per row) times the rows it sees, by where it
        // sits; attention is QKᵀ plus AV over the joint sequence, widths taken from the block's own qkv weight.
        long l = imageTokens + textTokens;
        long Rows(string name) => name switch
        {
            _ when name.Contains("_mod.") || name.Contains("modulation") || name.StartsWith("time_in.") ||
                name.StartsWith("vector_in.") => 1,
            "img_in" or "final_layer.linear" => imageTokens,
            "txt_in" => textTokens,
            _ when name.StartsWith("double_blocks.") && name.Contains(".img_") => imageTokens,
            _ when name.StartsWith("double_blocks.") && name.Contains(".txt_") => textTokens,
            _ when name.StartsWith("single_blocks.") => l,
            _ => throw new InvalidOperationException($"linear '{name}' is not classified: the count would miss it"),
        };
        long macs = 0;
        foreach (var (name, module) in model.named_modules())
        {
            if (module is AutocastLinear linear) macs += linear.weight.numel() * Rows(name);
            if (module is SelfAttention attn && name.EndsWith(".img_attn")) macs += 2 * l * l * (attn.qkv.weight.shape[0] / 3);
            if (module is SingleStreamBlock single) macs += 2 * l * l * single.linear2.weight.shape[0];
        }
        using (no_grad())
            Assert.Equal(new long[] { 1, 16, 3, imageTokens / 3 }, model.ForwardLatents(randn(1, 16, 3, imageTokens / 3),
                tensor(new[] { 0.5f }), randn(1, textTokens, 40), randn(1, 24)).shape);
        Assert.Equal(2.0 * macs, config.ForwardFlops(imageTokens, textTokens));
    }

    [Fact]
    public void PaperPresetIsAboutTwoBillionParameters()
    {
        long count = DitConfig.Paper2B.ParameterCount();
        Assert.InRange(count, 1_900_000_000L, 2_100_000_000L);
        Assert.Equal(128, DitConfig.Paper2B.HeadDim);
    }

    [Fact]
    public void InvalidShapesAreRejectedWithAReason()
    {
        var bad = DitConfig.Tiny with { AxesDim = new[] { 4, 4, 4 } };
        var ex = Assert.Throws<ArgumentException>(() => new FluxDit(bad));
        Assert.Contains("head dim", ex.Message);
    }
}

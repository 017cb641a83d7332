using T2I.Core.Dit;
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

using T2I.Core.Pretrained.MiniLm;
using T2I.Training.Dit;
using T2I.Training.Loop;
using T2I.Training.Presets;

namespace T2I.Training.Tests.Dit;

public class TextParametersTests
{
    [Fact]
    public void TheBertFormulaCountsWhatAnAllocatedMiniLmHolds()
    {
        using var model = new BertModel(BertConfig.MiniLmL6);
        long allocated = model.parameters().Sum(p => p.numel());
        Assert.Equal(allocated, TextParameters.Bert(BertConfig.MiniLmL6));
        Assert.InRange(allocated, 22_000_000, 23_000_000); // all-MiniLM-L6-v2: 22.7M
    }

    [Fact]
    public void TheEmojiPlanFeedsMiniLmsWidthsToTheDitAndCountsItFrozen()
    {
        var emoji = (Preset<DitTrainConfig>)PresetRegistry.Get("t2i-emoji");
        var plan = new DitMemoryPlan(emoji.Config, emoji.Loop);
        Assert.Equal((384, 384), (plan.Dit.ContextInDim, plan.Dit.VecInDim));
        Assert.Equal(TextParameters.Bert(BertConfig.MiniLmL6), plan.Frozen);
        Assert.Equal(MiniLmTextEncoder.MaxTokens, plan.TextTokens);
    }
}

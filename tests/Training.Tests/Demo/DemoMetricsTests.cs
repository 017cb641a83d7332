using T2I.Training.Demo;

namespace T2I.Training.Tests.Demo;

public class DemoMetricsTests
{
    [Fact]
    public void GenerationSummaryQuotesTheChanceOfThePromptedSetWhenTheRunRecordedIt()
    {
        var eval = new Dictionary<string, double>
        {
            ["color_acc"] = 0.75, ["shape_acc"] = 0.5, ["both_acc"] = 0.25,
            ["color_chance"] = 1.0 / 12, ["shape_chance"] = 1.0 / 8,
            ["color_prompt_chance"] = 0.25, ["shape_prompt_chance"] = 1.0 / 3, ["both_prompt_chance"] = 1.0 / 12,
        };
        Assert.Equal("generation accuracy: color 75% (chance 25%), shape 50% (chance 33%), both 25% (chance 8%)",
            DemoMetrics.GenerationSummary(eval).Replace(" %", "%"));

        // Runs from before the prompted chance was recorded still show the judge-vocabulary chance.
        foreach (var key in eval.Keys.Where(k => k.Contains("prompt")).ToList()) eval.Remove(key);
        Assert.Equal("generation accuracy: color 75% (chance 8%), shape 50% (chance 12%), both 25%",
            DemoMetrics.GenerationSummary(eval).Replace(" %", "%"));
        Assert.Equal("no generation eval", DemoMetrics.GenerationSummary(new Dictionary<string, double>()));
    }
}

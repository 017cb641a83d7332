using T2I.Training.Loop;
using T2I.Training.Presets;

namespace T2I.Training.Tests.Loop;

public class PresetOverridesTests
{
    private sealed record Inner
    {
        public int Depth { get; init; } = 2;
        public string Norm { get; init; } = "rms";
    }

    private sealed record Nested
    {
        public Inner Encoder { get; init; } = new();
        public int[] Channels { get; init; } = [1, 2];
        public bool UseGan { get; init; }
        public double Lr { get; init; } = 1;   // also in the loop settings: bare "lr" is ambiguous
        public string? Teacher { get; init; } = "x";
    }

    private sealed class NestedFactory : ITrainerFactory<Nested>
    {
        public string Name => "nested";
        public TrainingPlan Plan(Nested c, LoopSettings l) => new([], 0, []);
        public ITrainer Create(Nested c, TrainerContext ctx) => throw new NotSupportedException();
    }

    private static Preset<Nested> NestedPreset => new("nested", "d", new LoopSettings(), new Nested(), new NestedFactory());

    [Fact]
    public void LoopAndConfigValuesAreOverridden()
    {
        var p = (Preset<ToyMlpConfig>)PresetOverrides.Apply(ToyMlpFactory.Preset(), ["steps=1e3", "batch_size=4", "hidden=32", "config.dropout=0.5", "loop.schedule=linear"]);
        Assert.Equal(1000, p.Loop.Steps);
        Assert.Equal(4, p.Loop.BatchSize);
        Assert.Equal("linear", p.Loop.Schedule);
        Assert.Equal(32, p.Config.Hidden);
        Assert.Equal(0.5, p.Config.Dropout);
        Assert.Equal(ToyMlpFactory.DefaultLoop.Lr, p.Loop.Lr);   // untouched values stay
    }

    [Fact]
    public void NestedArraysBoolsAndNullsParse()
    {
        var p = (Preset<Nested>)PresetOverrides.Apply(NestedPreset, ["encoder.depth=5", "config.encoder.norm=layer", "channels=3, 4 ,5", "use_gan=on", "teacher=null", "loop.lr=3e-4", "config.lr=2"]);
        Assert.Equal(5, p.Config.Encoder.Depth);
        Assert.Equal("layer", p.Config.Encoder.Norm);
        Assert.Equal([3, 4, 5], p.Config.Channels);
        Assert.True(p.Config.UseGan);
        Assert.Null(p.Config.Teacher);
        Assert.Equal(3e-4, p.Loop.Lr);
        Assert.Equal(2, p.Config.Lr);
    }

    [Theory]
    [InlineData("lr", "expected key=value")]
    [InlineData("lrr=1", "has no such setting")]
    [InlineData("steps=ten", "expected an integer")]
    [InlineData("steps=1.5", "expected an integer")]
    [InlineData("lr=fast", "expected a number")]
    [InlineData("hidden=99999999999", "32-bit integer")]
    [InlineData("steps=0", "'steps' = 0: must be at least 1")]
    [InlineData("schedule=zigzag", "must be one of constant, cosine, linear")]
    public void BadOverridesFailWithAClearMessage(string assignment, string expected)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => PresetOverrides.Apply(ToyMlpFactory.Preset(), [assignment]));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void UnknownKeyListsTheSettableKeys()
    {
        var e = Assert.Throws<PresetOverrideException>(() => PresetOverrides.Apply(ToyMlpFactory.Preset(), ["depth=3"]));
        Assert.Contains("loop.lr", e.Message);
        Assert.Contains("config.hidden", e.Message);
    }

    [Fact]
    public void AmbiguousKeyAsksForAPrefix()
    {
        var e = Assert.Throws<PresetOverrideException>(() => PresetOverrides.Apply(NestedPreset, ["lr=1"]));
        Assert.Contains("loop.lr or config.lr", e.Message);
        Assert.Throws<PresetOverrideException>(() => PresetOverrides.Apply(NestedPreset, ["use_gan=maybe"]));
    }

    [Fact]
    public void LaunchResolvesRegistryPresetsAndStepsOption()
    {
        var p = PresetOverrides.Resolve("toy-regression", ["lr=0.2", "steps=50"], steps: 70);
        Assert.Equal(70, p.Loop.Steps);   // --steps wins
        Assert.Equal(0.2, p.Loop.Lr);
        Assert.Equal(0.05, PresetRegistry.Get("toy-regression").Loop.Lr);   // the registry's preset is immutable
        var e = Assert.Throws<KeyNotFoundException>(() => PresetOverrides.Resolve("nope", [], null));
        Assert.Contains("toy-regression", e.Message);
    }

    [Fact]
    public void ScheduleWarmsUpThenDecays()
    {
        var s = new LoopSettings { Steps = 110, WarmupSteps = 10, Schedule = "cosine", MinLrRatio = 0.1 };
        Assert.Equal(0.1, LrSchedule.Factor(s, 1), 12);
        Assert.Equal(1.0, LrSchedule.Factor(s, 10), 12);
        Assert.Equal(0.55, LrSchedule.Factor(s, 60), 12);   // half-way: 0.1 + 0.9·0.5
        Assert.Equal(0.1, LrSchedule.Factor(s, 110), 12);
        Assert.Equal(0.5, LrSchedule.Factor(s with { Schedule = "linear", MinLrRatio = 0 }, 60), 12);
        Assert.Equal(1.0, LrSchedule.Factor(s with { Schedule = "constant" }, 100), 12);
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace T2I.Training.Loop;

/// <summary>
/// A named, immutable training configuration: the shared <see cref="LoopSettings"/> plus a stage's own config
/// record, and the factory that turns them into a trainer. Use <see cref="Preset{TConfig}"/>.
/// </summary>
public abstract record Preset(string Name, string Description, LoopSettings Loop)
{
    /// <summary>The trainer id written into checkpoints (e.g. "toy-regression", "tokenizer-s1").</summary>
    public abstract string Trainer { get; }
    public abstract object ConfigObject { get; }
    public abstract Type ConfigType { get; }

    /// <summary>A copy with another config of the same type (used by command-line overrides).</summary>
    public abstract Preset WithConfigObject(object config);

    /// <summary>The dry-run plan: parameter counts, memory estimate, data — computed without allocating the model.</summary>
    public abstract TrainingPlan Plan();

    public abstract ITrainer CreateTrainer(TrainerContext context);

    /// <summary>The preset as indented snake_case JSON (what <c>training presets NAME</c> prints and the run folder records).</summary>
    public string ToJson() => ToJsonNode().ToJsonString(PresetJson.Options);

    public JsonObject ToJsonNode() => new()
    {
        ["name"] = Name,
        ["trainer"] = Trainer,
        ["description"] = Description,
        ["loop"] = JsonSerializer.SerializeToNode(Loop, PresetJson.Options),
        ["config"] = JsonSerializer.SerializeToNode(ConfigObject, ConfigType, PresetJson.Options),
    };
}

/// <summary>A preset whose stage configuration is the record <typeparamref name="TConfig"/>.</summary>
public sealed record Preset<TConfig>(string Name, string Description, LoopSettings Loop, TConfig Config, ITrainerFactory<TConfig> Factory)
    : Preset(Name, Description, Loop) where TConfig : notnull
{
    public override string Trainer => Factory.Name;
    public override object ConfigObject => Config;
    public override Type ConfigType => typeof(TConfig);
    public override Preset WithConfigObject(object config) => this with { Config = (TConfig)config };
    public override TrainingPlan Plan() => Factory.Plan(Config, Loop);
    public override ITrainer CreateTrainer(TrainerContext context) => Factory.Create(Config, context);
}

/// <summary>How a stage builds its trainer and describes its plan; one per stage (tokenizer stage 1, DiT, …).</summary>
public interface ITrainerFactory<in TConfig>
{
    /// <summary>Trainer id recorded in checkpoints; a checkpoint from another trainer is refused on resume.</summary>
    string Name { get; }

    /// <summary>Parameter counts, memory estimate and extra lines for <c>--dry-run</c>. Must not allocate the model.</summary>
    TrainingPlan Plan(TConfig config, LoopSettings loop);

    /// <summary>Builds modules, optimizers (with base LR <c>loop.Lr</c> or the config's own), EMA and data on
    /// <c>context.Device</c>.</summary>
    ITrainer Create(TConfig config, TrainerContext context);
}

/// <summary>Presets are found by reflection: every concrete <see cref="IPresetProvider"/> in the Training assembly.</summary>
public interface IPresetProvider
{
    IEnumerable<Preset> Presets { get; }
}

/// <summary>JSON conventions of presets and model configs: snake_case, enums as strings, indented.</summary>
public static class PresetJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

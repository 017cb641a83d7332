using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace T2I.Core.Checkpoints;

/// <summary>
/// What a checkpoint's <c>config.json</c> records besides the weights: enough to rebuild the model
/// (<see cref="ModelConfig"/>, <see cref="Preset"/>) and to continue the run exactly (step, RNG, data position,
/// trainer state). Opaque parts stay JSON so each stage owns its own shapes.
/// </summary>
public sealed record CheckpointConfig
{
    public const string CurrentFormat = "t2i-checkpoint/1";

    public string Format { get; init; } = CurrentFormat;
    public required long Step { get; init; }
    public string? Preset { get; init; }
    /// <summary>The trainer that wrote it (e.g. "tokenizer-s1"); loaders use it to refuse a wrong checkpoint kind.</summary>
    public string? Trainer { get; init; }
    public JsonNode? ModelConfig { get; init; }
    /// <summary>The effective loop settings (after command-line overrides).</summary>
    public JsonNode? Loop { get; init; }
    /// <summary>torch CPU generator state, base64 (<see cref="RngState"/>).</summary>
    public string? RngState { get; init; }
    /// <summary>Opaque position from the data reader; handed back to it on resume.</summary>
    public JsonNode? DataPosition { get; init; }
    /// <summary>Opaque extra state of the trainer (e.g. whether the GAN loss is on).</summary>
    public JsonNode? TrainerState { get; init; }
    /// <summary>A data-parallel run's per-rank resume state (index = rank: data_position, rng_state); null for one process,
    /// whose state is <see cref="DataPosition"/> and <see cref="RngState"/> (rank 0's in a data-parallel run).</summary>
    public JsonArray? Ranks { get; init; }
    public Dictionary<string, double>? Metrics { get; init; }
    public double ElapsedSeconds { get; init; }
    public DateTime TimeUtc { get; init; } = DateTime.UtcNow;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static CheckpointConfig Parse(string json, string source)
    {
        CheckpointConfig? config;
        try { config = JsonSerializer.Deserialize<CheckpointConfig>(json, Json); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not a valid checkpoint config.json ({e.Message}).", e); }
        if (config is null) throw new InvalidDataException($"{source}: config.json is empty.");
        if (config.Format != CurrentFormat)
            throw new InvalidDataException($"{source}: checkpoint format '{config.Format}' is not supported (expected '{CurrentFormat}').");
        return config;
    }
}

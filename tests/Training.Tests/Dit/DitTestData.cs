using System.Text.Json;
using System.Text.Json.Nodes;
using T2I.Core.Checkpoints;
using T2I.Core.VisualTokenizer;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Dit;

/// <summary>Codec folders for DiT tests.</summary>
public static class DitTestData
{
    /// <summary>A 4-channel aligned tokenizer small enough to encode a few dozen images in a second.</summary>
    public static readonly AlignedTokenizerConfig MicroTokenizer = new(
        new VisionTransformerConfig(32, 1, 2, Registers: 2, PretrainGrid: 4), 32, 4,
        new DecoderConfig(4, 16, new[] { 1, 1, 1, 1, 1 }, 0, new[] { 4 }, NormGroups: 8));

    /// <summary>A tokenizer checkpoint as the tokenizer stages write it (model_config = its config; random weights).</summary>
    public static string WriteTokenizerRun(string runDir, int seed)
    {
        manual_seed(seed);
        using var tokenizer = new AlignedTokenizer(MicroTokenizer);
        var config = new CheckpointConfig
        {
            Step = 1, Trainer = "tokenizer",
            ModelConfig = JsonNode.Parse(JsonSerializer.Serialize(MicroTokenizer, AlignedTokenizerConfig.JsonOptions)),
        };
        CheckpointFolder.Write(CheckpointFolder.CheckpointsDir(runDir), config,
            dir => ModuleWeights.Save(tokenizer, Path.Combine(dir, CheckpointFolder.ModelFile)));
        return runDir;
    }
}

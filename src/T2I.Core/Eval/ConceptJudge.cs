using System.Text.Json;
using T2I.Core.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>
/// "Does this image show the prompted concept?": a linear softmax classifier over concepts (emoji labels) on frozen
/// pretrained image features, standardised by the training set's statistics. Trained on real images of every style
/// (<see cref="ConceptJudgeTrainer"/>), it scores generations by top-1 / top-5 (<see cref="ConceptAccuracy"/>).
/// </summary>
public sealed class ConceptJudge : nn.Module<Tensor, Tensor>
{
    public const string WeightsFile = "concept-judge.safetensors";
    public const string ConfigFile = "concept-judge.json";

    private readonly Linear head;
    private readonly Tensor mean, std;
    private readonly Dictionary<string, int> index;

    public ConceptJudge(IReadOnlyList<string> concepts, string encoder, int imageSize, int featureDim) : base(nameof(ConceptJudge))
    {
        if (concepts.Count < 2) throw new ArgumentException("A concept judge needs at least two concepts.", nameof(concepts));
        (Concepts, Encoder, ImageSize) = (concepts, encoder, imageSize);
        index = concepts.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.OrdinalIgnoreCase);
        head = nn.Linear(featureDim, concepts.Count);
        mean = zeros(featureDim);
        std = ones(featureDim);
        register_buffer("mean", mean);
        register_buffer("std", std);
        RegisterComponents();
    }

    public IReadOnlyList<string> Concepts { get; }
    /// <summary>The feature encoder it was trained on (<see cref="IImageFeatureEncoder.Name"/>) and its input size.</summary>
    public string Encoder { get; }
    public int ImageSize { get; }

    /// <summary>The concept's class index, or -1 (case-insensitive).</summary>
    public int IndexOf(string concept) => index.GetValueOrDefault(concept.Trim(), -1);

    /// <summary>Sets the standardisation from training features [N, D] (std floored: constant features stay finite).</summary>
    public void Standardise(Tensor features)
    {
        using var noGrad = no_grad();
        mean.copy_(features.mean(new long[] { 0 }));
        std.copy_(features.std(0).clamp_min(1e-6));
    }

    /// <summary>Features [N, D] → concept logits [N, C].</summary>
    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        return head.forward((features - mean) / std).MoveToOuterDisposeScope();
    }

    /// <summary>The <paramref name="k"/> most likely concepts of each row, best first.</summary>
    public int[][] TopK(Tensor features, int k)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (_, indices) = forward(features).topk(Math.Min(k, Concepts.Count), dim: 1);
        long[] flat = indices.cpu().data<long>().ToArray();
        int width = (int)indices.shape[1];
        return Enumerable.Range(0, (int)indices.shape[0]).Select(r => flat.Skip(r * width).Take(width).Select(i => (int)i).ToArray())
            .ToArray();
    }

    /// <summary>Writes <see cref="WeightsFile"/> and <see cref="ConfigFile"/> into a folder, atomically per file.</summary>
    public void Save(string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Directory.CreateDirectory(directory);
        ModuleWeights.Save(this, Path.Combine(directory, WeightsFile), metadata);
        string path = Path.Combine(directory, ConfigFile), temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(new Config(Concepts.ToArray(), Encoder, ImageSize, (int)mean.shape[0]),
            new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Whether <paramref name="directory"/> holds a judge <see cref="Save"/> wrote.</summary>
    public static bool IsSavedIn(string directory) => File.Exists(Path.Combine(directory, ConfigFile));

    /// <summary>Loads a judge written by <see cref="Save"/>, in eval mode; strict about weight names and shapes.</summary>
    public static ConceptJudge Load(string directory)
    {
        string path = Path.Combine(directory, ConfigFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"No concept judge at {path}.", path);
        var config = JsonSerializer.Deserialize<Config>(File.ReadAllText(path)) ?? throw new FormatException($"Unreadable {path}.");
        var judge = new ConceptJudge(config.Concepts, config.Encoder, config.ImageSize, config.FeatureDim);
        ModuleWeights.Load(judge, Path.Combine(directory, WeightsFile));
        judge.eval();
        return judge;
    }

    private sealed record Config(string[] Concepts, string Encoder, int ImageSize, int FeatureDim);
}

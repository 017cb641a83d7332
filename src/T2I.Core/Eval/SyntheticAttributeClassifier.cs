using System.Text.Json;
using T2I.Core.Checkpoints;
using T2I.Core.Nn;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Eval;

/// <summary>
/// The judge of generation accuracy: a small CNN that names the attributes of a synthetic image (object colour
/// and shape, and background, size and position when its vocabulary has them).
/// <para>
/// Input keeps the aspect ratio: every image is resized so its short side is <see cref="ShortSide"/> pixels
/// (<see cref="Prepare"/>). The synthetic shapes are sized relative to the short side, so a shape covers the
/// same number of pixels in a 4:1 panorama as in a square — letterboxing to a square would shrink it by the
/// aspect factor, stretching would distort it (a circle becomes an ellipse). Convolutions and global pooling
/// accept any width, so one model serves every bucket.
/// </para>
/// Features: stride-2 and stride-1 3×3 convolutions (GroupNorm, SiLU) down to 1/16 of the input; colour, shape,
/// background and size heads read global mean and max pooling (max keeps a small object's colour that the mean
/// drowns in background); the position head also reads a 3×3 average grid, so "left third" means the same at
/// every aspect ratio.
/// </summary>
public sealed class SyntheticAttributeClassifier : nn.Module<Tensor, Tensor[]>
{
    public const string WeightsFile = "judge.safetensors";
    public const string ConfigFile = "judge.json";
    /// <summary>The first API's name of <see cref="ConfigFile"/> (callers test for it to find a saved judge).</summary>
    public const string VocabularyFile = ConfigFile;

    private readonly nn.Module<Tensor, Tensor> features;
    private readonly TorchSharp.Modules.ModuleList<nn.Module<Tensor, Tensor>> heads;
    private readonly int positionHead;

    public AttributeVocabulary Vocabulary { get; }
    public int ShortSide { get; }
    /// <summary>The first API's name of <see cref="ShortSide"/>.</summary>
    public int ImageSize => ShortSide;
    public int Width { get; }

    /// <summary>Attribute names in head (output) order.</summary>
    public IReadOnlyList<string> Attributes { get; }

    public SyntheticAttributeClassifier(AttributeVocabulary vocabulary, int shortSide = 64, int width = 16)
        : base(nameof(SyntheticAttributeClassifier))
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (shortSide < 16) throw new ArgumentOutOfRangeException(nameof(shortSide), "The short side must be at least 16 pixels.");
        if (width < 8 || width % 8 != 0) throw new ArgumentOutOfRangeException(nameof(width),
            "Width must be a positive multiple of 8 (GroupNorm groups).");
        Vocabulary = vocabulary;
        ShortSide = shortSide;
        Width = width;
        Attributes = vocabulary.Attributes.Select(a => a.Name).ToList();
        OneDnnWorkaround.Apply(); // oneDNN conv backward is wrong on this CPU build (see OneDnnWorkaround)
        var layers = new List<nn.Module<Tensor, Tensor>>();
        int inCh = 3;
        void Conv(int outCh, int stride)
        {
            layers.Add(nn.Conv2d(inCh, outCh, 3, stride: stride, padding: 1));
            layers.Add(GroupNorms.Create(8, outCh, eps: 1e-5)); // raw nn.GroupNorm starts uninitialised
            layers.Add(nn.SiLU());
            inCh = outCh;
        }
        Conv(width, 2);
        Conv(2 * width, 2);
        Conv(2 * width, 1);
        Conv(4 * width, 2);
        Conv(4 * width, 1);
        Conv(4 * width, 2);
        features = nn.Sequential(layers);
        positionHead = Attributes.ToList().IndexOf(AttributeVocabulary.Position);
        heads = nn.ModuleList(vocabulary.Attributes.Select((a, i) =>
            (nn.Module<Tensor, Tensor>)nn.Linear((i == positionHead ? 11 : 2) * inCh, a.Classes.Count)).ToArray());
        RegisterComponents();
    }

    /// <param name="images">[N, 3, H, W] in [-1, 1] with min(H, W) = <see cref="ShortSide"/> (see <see cref="Prepare"/>).</param>
    /// <returns>Logits per attribute, in <see cref="Attributes"/> order.</returns>
    public override Tensor[] forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var f = features.forward(images);
        var global = cat([f.mean([2, 3]), f.amax([2, 3])], 1);
        var outputs = new Tensor[heads.Count];
        for (int i = 0; i < heads.Count; i++)
        {
            var input = i == positionHead
                ? cat([global, nn.functional.adaptive_avg_pool2d(f, [3, 3]).flatten(1)], 1)
                : global;
            outputs[i] = heads[i].forward(input).MoveToOuterDisposeScope();
        }
        return outputs;
    }

    /// <summary>
    /// Any-size images [N, 3, H, W] → [N, 3, h, w] with min(h, w) = <see cref="ShortSide"/> and the aspect ratio
    /// kept (antialiased bilinear), float32 on the model's device: what the judge sees.
    /// </summary>
    public Tensor Prepare(Tensor images) => ResizeShortSide(images, ShortSide, heads[0].parameters().First().device);

    /// <summary>See <see cref="Prepare"/>.</summary>
    public static Tensor ResizeShortSide(Tensor images, int shortSide, Device? device = null)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"Expected images [N, 3, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        var x = images.detach().to(ScalarType.Float32);
        if (device is not null) x = x.to(device);
        var (h, w) = TargetSize(images.shape[2], images.shape[3], shortSide);
        if (x.shape[2] == h && x.shape[3] == w) return x.alias();
        return nn.functional.interpolate(x, [h, w], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
    }

    /// <summary>(height, width) with the short side at <paramref name="shortSide"/> and the aspect ratio kept.</summary>
    public static (long Height, long Width) TargetSize(long height, long width, int shortSide) =>
        height <= width
            ? (shortSide, Math.Max(shortSide, (long)Math.Round((double)width * shortSide / height)))
            : (Math.Max(shortSide, (long)Math.Round((double)height * shortSide / width)), shortSide);

    /// <summary>Predicted class index per attribute (in <see cref="Attributes"/> order) for any-size images, eval mode,
    /// no gradients.</summary>
    public long[][] Predict(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool wasTraining = training;
        eval();
        try
        {
            return forward(Prepare(images)).Select(l => l.argmax(1).cpu().data<long>().ToArray()).ToArray();
        }
        finally { train(wasTraining); }
    }

    /// <summary>Writes <see cref="WeightsFile"/> and <see cref="ConfigFile"/> (vocabulary, short side, width) into a
    /// folder, atomically per file.</summary>
    public void Save(string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Directory.CreateDirectory(directory);
        ModuleWeights.Save(this, Path.Combine(directory, WeightsFile), metadata);
        string path = Path.Combine(directory, ConfigFile), temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(new JudgeConfig(Vocabulary, ShortSide, Width),
            new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Whether <paramref name="directory"/> holds a classifier <see cref="Save"/> wrote.</summary>
    public static bool IsSavedIn(string directory) => File.Exists(Path.Combine(directory, VocabularyFile));

    /// <summary>Loads a judge written by <see cref="Save"/> (e.g. <c>models/judge-synth</c>), in eval mode; strict
    /// about weight names and shapes.</summary>
    public static SyntheticAttributeClassifier Load(string directory)
    {
        string configPath = Path.Combine(directory, ConfigFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"No judge config at {configPath}.", configPath);
        var config = JsonSerializer.Deserialize<JudgeConfig>(File.ReadAllText(configPath))
            ?? throw new FormatException($"Unreadable judge config {configPath}.");
        var model = new SyntheticAttributeClassifier(config.Vocabulary, config.ShortSide, config.Width);
        ModuleWeights.Load(model, Path.Combine(directory, WeightsFile));
        model.eval();
        return model;
    }

    private sealed record JudgeConfig(AttributeVocabulary Vocabulary, int ShortSide, int Width);
}

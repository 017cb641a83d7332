using T2I.Core.Nn;
using System.Text.Json;
using T2I.Core.Checkpoints;
using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>
/// A small CNN that names the object colour and shape of a synthetic image — the judge of generation accuracy.
/// Four stride-2 3×3 convolutions (GroupNorm, SiLU) over a fixed-size square input, then global average and
/// max pooling (max keeps a small object's colour that averaging would drown in background) into two linear
/// heads sized by the vocabulary.
/// </summary>
public sealed class SyntheticAttributeClassifier : nn.Module<Tensor, (Tensor ColorLogits, Tensor ShapeLogits)>
{
    public const string WeightsFile = "classifier.safetensors";
    public const string VocabularyFile = "classifier.json";

    private readonly nn.Module<Tensor, Tensor> features;
    private readonly nn.Module<Tensor, Tensor> colorHead;
    private readonly nn.Module<Tensor, Tensor> shapeHead;

    public AttributeVocabulary Vocabulary { get; }
    public int ImageSize { get; }
    public int Width { get; }

    public SyntheticAttributeClassifier(AttributeVocabulary vocabulary, int imageSize = 64, int width = 32)
        : base(nameof(SyntheticAttributeClassifier))
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (imageSize < 16) throw new ArgumentOutOfRangeException(nameof(imageSize), "Images must be at least 16 pixels.");
        Vocabulary = vocabulary;
        ImageSize = imageSize;
        Width = width;
        OneDnnWorkaround.Apply(); // oneDNN conv backward is wrong on this CPU build (see OneDnnWorkaround)
        var layers = new List<nn.Module<Tensor, Tensor>>();
        int inCh = 3;
        foreach (int mult in new[] { 1, 2, 2, 4 })
        {
            layers.Add(nn.Conv2d(inCh, width * mult, 3, stride: 2, padding: 1));
            layers.Add(GroupNorms.Create(8, width * mult, eps: 1e-5)); // raw nn.GroupNorm starts uninitialised
            layers.Add(nn.SiLU());
            inCh = width * mult;
        }
        features = nn.Sequential(layers);
        colorHead = nn.Linear(2 * inCh, vocabulary.Colors.Count);
        shapeHead = nn.Linear(2 * inCh, vocabulary.Shapes.Count);
        RegisterComponents();
    }

    /// <param name="images">[N, 3, S, S] in [-1, 1] with S = <see cref="ImageSize"/> (see <see cref="Prepare"/>).</param>
    public override (Tensor ColorLogits, Tensor ShapeLogits) forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var f = features.forward(images);
        var pooled = cat([f.mean([2, 3]), f.amax([2, 3])], 1);
        return (colorHead.forward(pooled).MoveToOuterDisposeScope(), shapeHead.forward(pooled).MoveToOuterDisposeScope());
    }

    /// <summary>Any-size images [N, 3, H, W] → [N, 3, S, S] (stretched, antialiased bilinear), as the classifier sees them.</summary>
    public Tensor Prepare(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"Expected images [N, 3, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        var x = images.detach().to(ScalarType.Float32).to(colorHead.parameters().First().device);
        if (x.shape[2] == ImageSize && x.shape[3] == ImageSize) return x.alias();
        return nn.functional.interpolate(x, new long[] { ImageSize, ImageSize }, mode: InterpolationMode.Bilinear,
            align_corners: false, antialias: true);
    }

    /// <summary>Predicted (colour, shape) class indices of any-size images, in eval mode without gradients.</summary>
    public (long[] Colors, long[] Shapes) Predict(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool wasTraining = training;
        eval();
        try
        {
            var (c, s) = forward(Prepare(images));
            return (c.argmax(1).cpu().data<long>().ToArray(), s.argmax(1).cpu().data<long>().ToArray());
        }
        finally { train(wasTraining); }
    }

    /// <summary>Writes <see cref="WeightsFile"/> and <see cref="VocabularyFile"/> (vocabulary, image size, width) into a folder.</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        ModuleWeights.Save(this, Path.Combine(directory, WeightsFile));
        var config = new ClassifierConfig(Vocabulary, ImageSize, Width);
        string path = Path.Combine(directory, VocabularyFile), temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(config));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Loads a classifier written by <see cref="Save"/>; strict about weight names and shapes.</summary>
    public static SyntheticAttributeClassifier Load(string directory)
    {
        string configPath = Path.Combine(directory, VocabularyFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"No classifier config at {configPath}.", configPath);
        var config = JsonSerializer.Deserialize<ClassifierConfig>(File.ReadAllText(configPath))
            ?? throw new FormatException($"Unreadable classifier config {configPath}.");
        var model = new SyntheticAttributeClassifier(config.Vocabulary, config.ImageSize, config.Width);
        ModuleWeights.Load(model, Path.Combine(directory, WeightsFile));
        model.eval();
        return model;
    }

    private sealed record ClassifierConfig(AttributeVocabulary Vocabulary, int ImageSize, int Width);
}

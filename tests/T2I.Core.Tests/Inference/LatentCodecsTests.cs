using System.Text.Json;
using System.Text.Json.Nodes;
using T2I.Core.Checkpoints;
using T2I.Core.Inference;
using T2I.Core.VisualTokenizer;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Inference;

public class LatentCodecsTests
{
    private static readonly AlignedTokenizerConfig Micro = new(
        new VisionTransformerConfig(32, 1, 2, Registers: 2, PretrainGrid: 4), 32, 4,
        new DecoderConfig(4, 16, new[] { 1, 1, 1, 1, 1 }, 0, new[] { 4 }, NormGroups: 8));

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("t2i-codec-").FullName;
        public string Sub(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    /// <summary>A tokenizer run folder as the tokenizer stages write it: model_config = tokenizer config, model + EMA weights.</summary>
    private static (AlignedTokenizer Model, AlignedTokenizer Ema) WriteTokenizerRun(string runDir, int seed)
    {
        manual_seed(seed);
        var model = new AlignedTokenizer(Micro);
        var ema = new AlignedTokenizer(Micro);
        var config = new CheckpointConfig
        {
            Step = 7, Trainer = "tokenizer",
            ModelConfig = JsonNode.Parse(JsonSerializer.Serialize(Micro, AlignedTokenizerConfig.JsonOptions)),
        };
        CheckpointFolder.Write(CheckpointFolder.CheckpointsDir(runDir), config, dir =>
        {
            ModuleWeights.Save(model, System.IO.Path.Combine(dir, CheckpointFolder.ModelFile));
            ModuleWeights.Save(ema, System.IO.Path.Combine(dir, CheckpointFolder.EmaFile));
        });
        return (model, ema);
    }

    [Fact]
    public void AlignedRunFolderOpensWithEmaWeightsAndLatentShapes()
    {
        using var tmp = new TempDir();
        using var scope = NewDisposeScope();
        var (model, ema) = WriteTokenizerRun(tmp.Sub("tok"), seed: 1);
        var source = LatentCodecs.Describe(tmp.Sub("tok"));
        Assert.Equal("aligned", source.Kind);
        Assert.EndsWith(CheckpointFolder.EmaFile, source.WeightsFile);
        var codec = LatentCodecs.Open(tmp.Sub("tok"));
        Assert.Equal(4, codec.LatentChannels);
        Assert.Equal(16, codec.Downsample);

        var images = rand(2, 3, 32, 48, generator: new Generator(3)) * 2 - 1;
        var z = codec.Encode(images);
        Assert.Equal(new long[] { 2, 4, 2, 3 }, z.shape);
        Assert.False(z.requires_grad);
        using (no_grad())
        {
            Assert.True(allclose(z, ema.Encode(images), 1e-5, 1e-6), "the codec encodes with the EMA weights");
            Assert.False(allclose(z, model.Encode(images), 1e-3, 1e-4));
        }
        var decoded = codec.Decode(z);
        Assert.Equal(new long[] { 2, 3, 32, 48 }, decoded.shape);
        Assert.True(decoded.abs().max().item<float>() <= 1f);
    }

    [Fact]
    public void ExportedFolderRebuildsTheSameCodecAndKeepsItsIdentity()
    {
        using var tmp = new TempDir();
        using var scope = NewDisposeScope();
        WriteTokenizerRun(tmp.Sub("tok"), seed: 2);
        var source = LatentCodecs.Describe(tmp.Sub("tok"));
        var codec = LatentCodecs.Open(source);
        LatentCodecs.Export(codec, source, tmp.Sub("export"));

        var exported = LatentCodecs.Describe(tmp.Sub("export"));
        Assert.Equal(source.Identity, exported.Identity);
        Assert.Equal("aligned", exported.Kind);
        var reopened = LatentCodecs.Open(exported);
        var images = rand(1, 3, 32, 32, generator: new Generator(4)) * 2 - 1;
        Assert.Equal(codec.Encode(images).data<float>().ToArray(), reopened.Encode(images).data<float>().ToArray());
    }

    private static void CopyDir(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [Fact]
    public void IdentityFollowsTheWeightsAndUnknownKindsAreNamed()
    {
        using var tmp = new TempDir();
        WriteTokenizerRun(tmp.Sub("a"), seed: 5);
        CopyDir(tmp.Sub("a"), tmp.Sub("b")); // the same weights elsewhere
        WriteTokenizerRun(tmp.Sub("c"), seed: 6);
        string a = LatentCodecs.Describe(tmp.Sub("a")).Identity;
        Assert.StartsWith("aligned:", a);
        Assert.Equal(a, LatentCodecs.Describe(tmp.Sub("b")).Identity);
        Assert.NotEqual(a, LatentCodecs.Describe(tmp.Sub("c")).Identity);
        Assert.Equal("dct", LatentCodecs.Describe("dct").Identity);
        Assert.IsType<DctPatchCodec>(LatentCodecs.Open("dct"));

        Directory.CreateDirectory(tmp.Sub("odd"));
        File.WriteAllText(Path.Combine(tmp.Sub("odd"), LatentCodecs.ExportConfigFile), """{"kind":"vq-gan"}""");
        var e = Assert.Throws<NotSupportedException>(() => LatentCodecs.Open(tmp.Sub("odd")));
        Assert.Contains("vq-gan", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => LatentCodecs.Describe(tmp.Sub("missing")));
    }

    [Fact]
    public void NormalizationGivesUnitChannelsAndInvertsExactly()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(9);
        var shift = tensor(new[] { 3f, -1f, 0f }).view(1, 3, 1, 1);
        var scale = tensor(new[] { 0.1f, 5f, 1f }).view(1, 3, 1, 1);
        var a = randn(new long[] { 40, 3, 4, 4 }, generator: g) * scale + shift;
        var b = randn(new long[] { 20, 3, 2, 6 }, generator: g) * scale + shift; // another bucket's shape
        var stats = LatentNormalization.Compute([a, b]);
        Assert.Equal(3.0, stats.Mean[0], 1);
        Assert.Equal(5.0, stats.Std[1], 0);
        var n = stats.Normalize(a);
        var perChannel = n.transpose(0, 1).reshape(3, -1);
        Assert.True(perChannel.mean([1]).abs().max().item<float>() < 0.1f);
        Assert.True((perChannel.std(1) - 1).abs().max().item<float>() < 0.1f);
        Assert.True(allclose(stats.Denormalize(n), a, 1e-4, 1e-5));

        // The pipeline's decoder un-normalises before the codec decodes.
        var dct = new DctPatchCodec(latentChannels: 3);
        var decoder = new DenormalizingDecoder(dct, stats);
        Assert.True(allclose(decoder.Decode(n), dct.Decode(a), 1e-4, 1e-5));
    }
}

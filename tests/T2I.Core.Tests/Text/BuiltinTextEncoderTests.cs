using T2I.Core.Checkpoints;
using T2I.Core.Text;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Text;

public class BuiltinTextEncoderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2i-bte-").FullName;
    private static readonly string[] Captions = { "a red circle", "a blue square", "a green triangle on white" };

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void EncodesBatchesWithMasksAndPadIndependence()
    {
        manual_seed(3);
        using var enc = new BuiltinTextEncoder(BuiltinTextConfig.Tiny, BuiltinVocabulary.Build(Captions));
        using var scope = NewDisposeScope();
        var one = enc.Encode(new[] { "a red circle" });
        var batch = enc.Encode(new[] { "a red circle", "a green triangle on white", "" });
        Assert.Equal(new long[] { 3, 6, 64 }, batch.Sequence.shape);
        Assert.Equal(new long[] { 3, 64 }, batch.Pooled.shape);
        Assert.Equal(new[] { true, true, true, true, false, false }, batch.Mask[0].data<bool>().ToArray());
        Assert.True(allclose(batch.Sequence[0, ..4], one.Sequence[0], 1e-5, 1e-5));
        Assert.True(allclose(batch.Pooled[0], one.Pooled[0], 1e-5, 1e-5));
        Assert.False(allclose(batch.Pooled[0], batch.Pooled[2], 1e-3, 1e-3), "the empty prompt must differ from a real one");
    }

    [Fact]
    public void CheckpointCarriesTheVocabularyAndRebuildsTheSameEncoder()
    {
        manual_seed(4);
        using var enc = new BuiltinTextEncoder(BuiltinTextConfig.Tiny, BuiltinVocabulary.Build(Captions));
        string path = Path.Combine(_dir, "text.safetensors");
        ModuleWeights.Save(enc, path, enc.Metadata());
        using var loaded = BuiltinTextEncoder.FromCheckpoint(path);
        ModuleWeights.Load(loaded, path);
        Assert.Equal(enc.Vocabulary.TokenIds, loaded.Vocabulary.TokenIds);
        using var scope = NewDisposeScope();
        Assert.True(allclose(enc.Encode(new[] { "a blue circle" }).Sequence, loaded.Encode(new[] { "a blue circle" }).Sequence));
        Assert.Throws<InvalidDataException>(() => BuiltinTextEncoder.FromCheckpoint(WriteForeign()));
    }

    private string WriteForeign()
    {
        string path = Path.Combine(_dir, "foreign.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["x"] = zeros(2) });
        return path;
    }
}

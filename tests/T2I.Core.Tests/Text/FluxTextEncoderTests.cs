using T2I.Core.Text;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Text;

public sealed class FluxTextEncoderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2i-flux-text-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string T5, string Clip) WriteFolders()
    {
        string t5 = Directory.CreateDirectory(Path.Combine(_dir, "t5")).FullName;
        string clip = Directory.CreateDirectory(Path.Combine(_dir, "clip")).FullName;
        TinyTextEncoderFolders.WriteT5(t5);
        TinyTextEncoderFolders.WriteClip(clip);
        return (t5, clip);
    }

    [Fact]
    public void PairsT5sSequenceWithClipsPooledStateFrozenAndInFp32()
    {
        var (t5, clip) = WriteFolders();
        // Relative folder names resolve against the model folder, as an export records them.
        using var pair = FluxTextEncoder.Load(new TextEncoderWeights("t5", "clip", 3), _dir).PlaceFrozen(CPU);
        using var t5Alone = T5Encoder.Load(t5, maxTokens: 3);
        using var clipAlone = ClipTextEncoder.Load(clip);
        using var scope = NewDisposeScope();
        string[] prompts = ["a red cat", "a blue cat a red cat s"];
        var both = pair.Encode(prompts);
        Assert.True(both.Sequence.eq(t5Alone.Encode(prompts).Sequence).all().item<bool>());
        Assert.True(both.Pooled.eq(clipAlone.Encode(prompts).Pooled).all().item<bool>());
        Assert.Equal(3, both.Sequence.shape[1]);
        Assert.Equal((ScalarType.Float32, ScalarType.Float32), (both.Sequence.dtype, both.Pooled.dtype));
        Assert.All(pair.parameters(), p => Assert.False(p.requires_grad));
        Assert.Equal("t5+clip", pair.Name);
    }

    [Fact]
    public void InBf16ItGivesFp32OutputsCloseToTheFp32Encoders()
    {
        // What CUDA runs (bf16 weights through every T5 and CLIP op: masks, position bias, norms), checked on the CPU.
        var (t5, clip) = WriteFolders();
        using var fp32 = FluxTextEncoder.Load(t5, clip).PlaceFrozen(CPU);
        using var bf16 = FluxTextEncoder.Load(t5, clip).PlaceFrozen(CPU, ScalarType.BFloat16);
        Assert.All(bf16.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        using var scope = NewDisposeScope();
        string[] prompts = ["a red cat", "a blue cat a red cat s"];
        var (a, b) = (fp32.Encode(prompts), bf16.Encode(prompts));
        Assert.Equal((ScalarType.Float32, ScalarType.Float32), (b.Sequence.dtype, b.Pooled.dtype));
        // bf16 keeps 8 bits of mantissa; through 2 layers and norms the worst element drifts ~3 % of the range (measured).
        static float Drift(Tensor x, Tensor y) => (x - y).abs().max().item<float>() / y.abs().max().item<float>();
        Assert.InRange(Drift(b.Sequence, a.Sequence), 0, 0.05);
        Assert.InRange(Drift(b.Pooled, a.Pooled), 0, 0.05);
        Assert.False(b.Sequence.equal(a.Sequence).all().item<bool>(), "the bf16 encoders computed in fp32");
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Text;

/// <summary>
/// FLUX's pairing, frozen: the T5 last hidden state as the sequence, CLIP's pooled EOS state as the vector. Registered as
/// one module so it moves to a device and dtype as one (<see cref="PlaceFrozen"/>); outputs are always fp32, what the
/// DiT's fp32 master weights and autocast expect.
/// </summary>
public sealed class FluxTextEncoder : nn.Module, ITextEncoder
{
    public T5Encoder t5;
    public ClipTextEncoder clip;

    public FluxTextEncoder(T5Encoder t5, ClipTextEncoder clip) : base(nameof(FluxTextEncoder))
    {
        this.t5 = t5;
        this.clip = clip;
        RegisterComponents();
    }

    /// <summary>
    /// Loads T5 from <paramref name="t5Folder"/> and CLIP from <paramref name="clipFolder"/> (HF layouts); T5 keeps at most
    /// <paramref name="maxT5Tokens"/> tokens per prompt (null: its config's).
    /// </summary>
    public static FluxTextEncoder Load(string t5Folder, string clipFolder, int? maxT5Tokens = null) =>
        new(T5Encoder.Load(t5Folder, maxT5Tokens), ClipTextEncoder.Load(clipFolder));

    /// <summary>The encoders a model folder's <see cref="TextEncoderWeights"/> name (relative names against the folder).</summary>
    public static FluxTextEncoder Load(TextEncoderWeights weights, string modelFolder)
    {
        var at = weights.ResolvedAgainst(modelFolder);
        return Load(at.T5, at.Clip, weights.MaxT5Tokens);
    }

    /// <summary>
    /// On <paramref name="device"/> for inference only, in <paramref name="dtype"/> or by default bf16 on CUDA (T5-XXL is
    /// 9.5 GB there instead of 19, and tensor cores run it) and fp32 on the CPU (whose bf16 matmuls are slower than fp32);
    /// eval mode, no gradients.
    /// </summary>
    public FluxTextEncoder PlaceFrozen(Device device, ScalarType? dtype = null)
    {
        foreach (var p in parameters()) p.requires_grad = false;
        this.to(dtype ?? (device.type == DeviceType.CUDA ? ScalarType.BFloat16 : ScalarType.Float32)).to(device);
        eval();
        return this;
    }

    public int SequenceDim => t5.SequenceDim;
    public int PooledDim => clip.PooledDim;
    public string Name => $"{t5.Name}+{clip.Name}";

    public TextEncoding Encode(IReadOnlyList<string> prompts)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var seq = t5.Encode(prompts);
        var pool = clip.Encode(prompts);
        return new TextEncoding(seq.Sequence.to_type(ScalarType.Float32).MoveToOuterDisposeScope(),
            pool.Pooled.to_type(ScalarType.Float32).MoveToOuterDisposeScope(), seq.Mask.alias().MoveToOuterDisposeScope());
    }
}

using T2I.Core.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// The adapter A: a two-layer MLP applied to every token, encoder width → latent channels d (paper: 1024 → 32).
/// Deterministic, no KL (the paper drops it: it only distorts the encoder's semantics).
/// </summary>
public sealed class Adapter : nn.Module<Tensor, Tensor>
{
    private readonly Mlp mlp;

    public Adapter(int inChannels, int hidden, int latentChannels) : base(nameof(Adapter))
    {
        mlp = new Mlp(inChannels, hidden, latentChannels);
        RegisterComponents();
    }

    /// <summary>[N, D, h, w] feature map → [N, d, h, w] latents.</summary>
    public override Tensor forward(Tensor features) =>
        mlp.forward(features.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).contiguous();

    public static long ParameterCount(int inChannels, int hidden, int latentChannels) =>
        Mlp.ParameterCount(inChannels, hidden, latentChannels);
}

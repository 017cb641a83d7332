using TorchSharp;
using TorchSharp.Modules;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// GroupNorm(groups, channels, eps 1e-6) with its affine parameters set to 1 and 0. TorchSharp 0.107's
/// <c>nn.GroupNorm</c> leaves weight and bias uninitialised (measured: values like 1e34 or 0, varying by run),
/// which makes fresh decoders produce NaN at random.
/// </summary>
internal static class GroupNorms
{
    public static GroupNorm Create(int groups, int channels)
    {
        var norm = torch.nn.GroupNorm(groups, channels, DecoderConfig.NormEps);
        using var _ = torch.no_grad();
        norm.weight!.fill_(1.0);
        norm.bias!.zero_();
        return norm;
    }
}

using TorchSharp;
using TorchSharp.Modules;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Nn;

/// <summary>
/// GroupNorm(groups, channels, eps 1e-6) with its affine parameters set to 1 and 0. TorchSharp 0.107's
/// <c>nn.GroupNorm</c> leaves weight and bias uninitialised (measured: values like 1e34 or 0, varying by run),
/// which makes fresh decoders and classifiers produce NaN at random. Every GroupNorm in T2I comes from here.
/// </summary>
public static class GroupNorms
{
    /// <summary>The LDM decoder's epsilon (1e-6) unless another is given.</summary>
    public static GroupNorm Create(int groups, int channels, double eps = 1e-6)
    {
        var norm = torch.nn.GroupNorm(groups, channels, eps);
        using var _ = torch.no_grad();
        norm.weight!.FillWith(1.0);
        norm.bias!.zero_();
        return norm;
    }
}

using TorchSharp;
using TorchSharp.Modules;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training.Loop;

/// <summary>Gradient helpers shared by every trainer.</summary>
public static class Gradients
{
    /// <summary>
    /// Scales gradients so their global L2 norm is at most <paramref name="maxNorm"/> (0 or less: only measures).
    /// Returns the norm before clipping — worth logging: spikes precede divergence.
    /// </summary>
    public static double ClipNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        var withGrad = parameters.Where(p => p.grad is not null).ToList();
        if (withGrad.Count == 0) return 0;
        if (maxNorm > 0) return torch.nn.utils.clip_grad_norm_(withGrad, maxNorm);
        using var scope = torch.NewDisposeScope();
        var total = torch.zeros(1, device: withGrad[0].device);
        foreach (var p in withGrad) total = total.Plus(p.grad!.Square().sum());
        return Math.Sqrt(total.item<float>());
    }
}

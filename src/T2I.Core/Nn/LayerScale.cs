using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Nn;

/// <summary>
/// LayerScale (CaiT / DINOv2): a learned per-channel gain on a residual branch, initialised small so a deep
/// ViT starts close to identity. Parameter name <c>gamma</c> as in timm.
/// </summary>
public sealed class LayerScale : nn.Module<Tensor, Tensor>
{
    private readonly Parameter gamma;

    public LayerScale(long dim, double initValue = 1e-5) : base(nameof(LayerScale))
    {
        gamma = new Parameter(ScalarSafe.Full(dim, initValue, get_default_dtype()));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x * gamma;
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// LPIPS (Zhang et al.) with a VGG16 trunk, upstream parameter names: <c>net.sliceK.N.*</c> (VGG),
/// <c>linK.model.1.weight</c> (the learned 1×1 layers). Input [-1,1] images are scaled by the fixed
/// shift/scale, each layer's features are unit-normalised over channels, squared differences are weighted
/// by the 1×1 layer, averaged spatially and summed over the five layers.
/// Only <see cref="Load(string)"/> creates one: without real weights there is no LPIPS (callers set w_p = 0).
/// </summary>
public sealed class Lpips : nn.Module<Tensor, Tensor, Tensor>
{
    public static readonly int[] Vgg16Widths = { 64, 128, 256, 512, 512 };
    private static readonly float[] Shift = { -0.030f, -0.088f, -0.188f };
    private static readonly float[] Scale = { 0.458f, 0.448f, 0.450f };

    private readonly Vgg16Features net;
    private readonly LpipsLinear lin0, lin1, lin2, lin3, lin4;

    /// <summary>Internal: a randomly initialised instance is not LPIPS; tests build one to check the arithmetic.</summary>
    internal Lpips(IReadOnlyList<int> widths) : base(nameof(Lpips))
    {
        OneDnnWorkaround.Apply();
        net = new Vgg16Features(widths);
        (lin0, lin1, lin2, lin3, lin4) = (new(widths[0]), new(widths[1]), new(widths[2]), new(widths[3]), new(widths[4]));
        RegisterComponents();
        foreach (var p in parameters()) p.requires_grad = false;
        eval();
    }

    /// <summary>Per-image distance [N,1,1,1]; gradients flow to the inputs (it is a training loss).</summary>
    public override Tensor forward(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var fx = net.forward(ScaleInput(x));
        var fy = net.forward(ScaleInput(y));
        LpipsLinear[] lins = { lin0, lin1, lin2, lin3, lin4 };
        Tensor total = zeros(x.shape[0], 1, 1, 1, device: x.device);
        for (int k = 0; k < fx.Length; k++)
        {
            var diff = (UnitNormalize(fx[k]) - UnitNormalize(fy[k])).Square();
            total = total.Plus(lins[k].forward(diff).mean(new long[] { 2, 3 }, keepdim: true));
        }
        return total.MoveToOuterDisposeScope();
    }

    internal static Tensor ScaleInput(Tensor x)
    {
        var shift = tensor(Shift, device: x.device).view(1, 3, 1, 1);
        var scale = tensor(Scale, device: x.device).view(1, 3, 1, 1);
        return (x - shift) / scale;
    }

    private static Tensor UnitNormalize(Tensor f) => f / f.Square().sum(1, keepdim: true).sqrt().Plus(1e-10);

    /// <summary>Loads LPIPS-VGG weights from safetensors; see <see cref="LpipsWeights"/> for accepted layouts.</summary>
    public static Lpips Load(string path)
    {
        var lpips = new Lpips(Vgg16Widths);
        LpipsWeights.LoadInto(lpips, path);
        return lpips;
    }

    /// <summary>The factory callers use: null when no weights are configured (the caller warns and sets w_p = 0).</summary>
    public static Lpips? TryLoad(string? path)
    {
        if (string.IsNullOrWhiteSpace(path)) return null;
        if (!File.Exists(path)) throw new FileNotFoundException($"LPIPS weights '{path}' do not exist.", path);
        return Load(path);
    }
}

/// <summary>LPIPS's NetLinLayer: <c>model</c> = [Dropout, Conv2d(C, 1, 1, bias=False)] (dropout inactive at eval).</summary>
public sealed class LpipsLinear : nn.Module<Tensor, Tensor>
{
    private readonly Sequential model;
    private readonly Func<Tensor, Tensor> weighting; // a delegate, so the conv is registered once, as model.1

    public LpipsLinear(int channels) : base(nameof(LpipsLinear))
    {
        var conv = nn.Conv2d(channels, 1, 1, bias: false);
        weighting = conv.forward;
        model = nn.Sequential(("0", nn.Dropout(0.5)), ("1", conv));
        RegisterComponents();
    }

    // Only the 1x1 layer: as a metric and a loss LPIPS never applies its training-time dropout.
    public override Tensor forward(Tensor x) => weighting(x);
}

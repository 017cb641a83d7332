using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.TorchSharpFixes;

/// <summary>
/// A CPU 2-D convolution that takes libtorch's fast oneDNN kernels only where they were measured to be right
/// (see <see cref="OneDnnWorkaround"/>), while oneDNN stays off for every other convolution in the process.
/// Measured with libtorch-cpu 2.10 / oneDNN 3.7.1 on this CPU: oneDNN goes wrong exactly when a channel count
/// is not a multiple of its channel block (16, sometimes 32/48) — channel padding in the blocked layouts is
/// read as data (wrong input gradients for few output channels, wrong outputs for e.g. 20 input channels,
/// heap corruption for 2 input channels in channels-last). With channels-last activations and both channel
/// counts multiples of 16 every forward, input-, weight- and bias-gradient matched float64 in the sweeps, so
/// this pads both channel counts with zeros up to a multiple of 16, runs channels-last with oneDNN on,
/// and crops the output. The zero channels carry exact zeros through forward and backward. Only groups = 1,
/// dilation = 1 were verified (grouped and transposed convolutions keep the native path: use conv2d).
/// The global oneDNN switch is read when the convolution's backward runs, so a custom autograd function turns
/// it on around that backward alone. Input channels below 16 (RGB, small latents) stay on the native path,
/// which is fast there, rather than paying for 16 padded channels.
/// </summary>
public static class OneDnnConv2d
{
    private const int ChannelBlock = 16;

    /// <summary>
    /// Off by default, so every convolution takes the native path. The oneDNN switch this path flips is process-wide:
    /// a native convolution on another thread inside one of its windows would take oneDNN too (unaligned shapes:
    /// wrong values, heap corruption). So only processes whose convolutions run on one thread turn it on — the
    /// training loop and the conv benchmark — never the web host, whose generation workers run in parallel.
    /// </summary>
    public static bool Enabled { get; set; }

    /// <summary>
    /// <c>conv.forward(x)</c> through this path where the module is a plain one (groups 1, dilation 1, zero padding
    /// given as numbers, square stride and padding); otherwise exactly <c>conv.forward(x)</c>. Weights stay the
    /// module's, so checkpoints and key names do not change.
    /// </summary>
    public static Tensor Forward(Conv2d conv, Tensor x)
    {
        bool plain = conv.groups == 1 && conv.dilation.All(d => d == 1) && conv.padding_mode == PaddingModes.Zeros
            && conv.padding_type is null && conv.padding is [var ph, var pw] && ph == pw && conv.stride is [var sh, var sw] && sh == sw;
        return plain ? Forward(x, conv.weight!, conv.bias, conv.stride[0], conv.padding![0]) : conv.forward(x);
    }

    /// <summary><c>conv2d(x, weight, bias, stride, padding)</c> with square stride/padding and no groups/dilation.</summary>
    public static Tensor Forward(Tensor x, Tensor weight, Tensor? bias, long stride = 1, long padding = 0)
    {
        if (!Applies(x, weight))
            return nn.functional.conv2d(x, weight, bias, strides: [stride, stride], padding: [padding, padding]);
        using var scope = NewDisposeScope();
        long cin = weight.shape[1], cout = weight.shape[0];
        long padIn = PadTo(cin) - cin, padOut = PadTo(cout) - cout;
        var xp = padIn == 0 ? x : nn.functional.pad(x, [0, 0, 0, 0, 0, padIn]);
        var wp = padIn == 0 && padOut == 0 ? weight : nn.functional.pad(weight, [0, 0, 0, 0, 0, padIn, 0, padOut]);
        var bp = bias is null || padOut == 0 ? bias : nn.functional.pad(bias, [0, padOut]);
        bool needsGrad = is_grad_enabled() && (x.requires_grad || weight.requires_grad || bias?.requires_grad == true);
        Tensor y;
        if (needsGrad) y = ChannelsLastConv.apply(xp, wp, bp, stride, padding);
        else
        {
            using var onednn = OneDnnWorkaround.EnableTemporarily();
            y = Conv(xp, wp, bp, stride, padding);
        }
        // Contiguous NCHW like conv2d's result, so callers may view() it as before.
        return (padOut == 0 ? y : y.narrow(1, 0, cout)).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>True where the oneDNN path is taken: <see cref="Enabled"/>, CPU float32 on a libtorch-cpu build that
    /// has oneDNN switched off, at least 16 input channels.</summary>
    public static bool Applies(Tensor x, Tensor weight)
    {
        OneDnnWorkaround.Apply();
        return Enabled && OneDnnWorkaround.IsOneDnnDisabled && x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32
            && weight.dtype == ScalarType.Float32 && x.dim() == 4 && weight.dim() == 4
            && weight.shape[1] >= ChannelBlock;
    }

    private static long PadTo(long channels) => (channels + ChannelBlock - 1) / ChannelBlock * ChannelBlock;

    private static Tensor ChannelsLast(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    private static Tensor Conv(Tensor x, Tensor w, Tensor? b, long stride, long padding) =>
        nn.functional.conv2d(ChannelsLast(x), w, b, strides: [stride, stride], padding: [padding, padding]);

    /// <summary>
    /// Runs the convolution's own autograd graph with oneDNN switched on for its forward and for its backward
    /// only (the switch is read when each runs). Forward records that inner graph on detached inputs and saves
    /// it with this node; double backward (create_graph) is not supported.
    /// </summary>
    private sealed class ChannelsLastConv : autograd.SingleTensorFunction<ChannelsLastConv>
    {
        public override string Name => nameof(OneDnnConv2d);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var (x, w, b) = ((Tensor)vars[0], (Tensor)vars[1], vars[2] as Tensor);
            using var grad = enable_grad();
            List<Tensor> leaves = b is null ? [Leaf(x), Leaf(w)] : [Leaf(x), Leaf(w), Leaf(b)];
            Tensor y;
            using (OneDnnWorkaround.EnableTemporarily())
                y = Conv(leaves[0], leaves[1], b is null ? null : leaves[2], (long)vars[3], (long)vars[4]);
            // Saved with the node, the inner graph lives exactly as long as the outer one.
            ctx.save_for_backward([y, .. leaves]);
            return y.detach();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var saved = ctx.get_saved_variables();
            using var grad = enable_grad();
            using var onednn = OneDnnWorkaround.EnableTemporarily();
            // retain_graph: the outer backward may itself be retained and run again (adaptive GAN weights do).
            var grads = autograd.grad([saved[0]], saved.Skip(1).ToList(), [gradOutput], retain_graph: true);
            return [grads[0], grads[1], grads.Count > 2 ? grads[2] : null!, null!, null!];
        }

        private static Tensor Leaf(Tensor t) => t.detach().requires_grad_(true);
    }
}

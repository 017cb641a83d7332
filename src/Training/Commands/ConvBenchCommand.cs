using T2I.Core;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training conv-bench</c>: forward+backward time and float64 error of the convolution shapes in the CNN
/// decoders, native libtorch path (oneDNN off, the process default) vs <see cref="OneDnnConv2d"/>.
/// </summary>
public static class ConvBenchCommand
{
    private static readonly (int In, int Out, int Size, int Kernel, int Stride, int Padding)[] Layers =
    [
        (32, 32, 128, 3, 1, 1), (64, 64, 64, 3, 1, 1), (128, 128, 32, 3, 1, 1), (32, 3, 128, 3, 1, 1),
        (64, 1, 32, 4, 1, 1), (64, 128, 64, 4, 2, 1), (3, 32, 128, 3, 1, 1),
    ];

    public static Command Build()
    {
        var batch = new Option<int>("--batch") { Description = "Batch size.", DefaultValueFactory = _ => 8 };
        var reps = new Option<int>("--reps")
        {
            Description = "Timed repetitions per layer and path (after one warm-up).",
            DefaultValueFactory = _ => 3
        };
        var threads = new Option<int>("--threads") { Description = "Torch CPU threads.", DefaultValueFactory = _ => 1 };
        var command = new Command("conv-bench",
            "Time 3×3/4×4 CPU convolutions (forward+backward) on the native path vs OneDnnConv2d and print their float64 errors.")
        {
            batch, reps, threads,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            torch.set_num_threads(Math.Max(1, parse.GetValue(threads)));
            int n = Math.Max(1, parse.GetValue(batch)), r = Math.Max(1, parse.GetValue(reps));
            OneDnnWorkaround.Apply();
            OneDnnConv2d.Enabled = true;
            output.WriteLine($"batch {n}, {torch.get_num_threads()} thread(s), oneDNN off by default: {OneDnnWorkaround.IsOneDnnDisabled}" +
                $"; fwd+bwd per call, max rel err of y/dx/dw vs float64; {TorchRuntime.BuildNote}");
            output.WriteLine($"{"layer",-24} {"native ms",10} {"GFLOP/s",8} {"err",8} | {"OneDnnConv2d ms",15} {"GFLOP/s",8} " +
                $"{"err",8} {"speedup",8}");
            foreach (var layer in Layers)
            {
                using var scope = NewDisposeScope();
                torch.manual_seed(1);
                var x = randn(n, layer.In, layer.Size, layer.Size);
                var w = randn(layer.Out, layer.In, layer.Kernel, layer.Kernel) / Math.Sqrt(layer.In * layer.Kernel * layer.Kernel);
                var b = randn(layer.Out);
                var gy = randn_like(Step(x, w, b, layer.Stride, layer.Padding, null, fast: false)[0]);
                var reference = Step(x.to(float64), w.to(float64), b.to(float64), layer.Stride, layer.Padding, gy.to(float64), fast: false);
                long outSize = gy.shape[2];
                double flops = 3.0 * 2 * n * layer.Out * layer.In * layer.Kernel * layer.Kernel * outSize * outSize;
                var native = Measure(x, w, b, layer.Stride, layer.Padding, gy, reference, r, fast: false);
                var fast = Measure(x, w, b, layer.Stride, layer.Padding, gy, reference, r, fast: true);
                // Below 16 input channels OneDnnConv2d keeps the native path: both columns time the same code.
                string name = $"{layer.In}->{layer.Out} k{layer.Kernel}s{layer.Stride} @{layer.Size}" + (OneDnnConv2d.Applies(x,
                    w) ? "" : " (native)");
                output.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "{0,-24} {1,10:F0} {2,8:F1} {3,8:E1} | {4,15:F0} {5,8:F1} {6,8:E1} {7,7:F1}×",
                    name, native.Ms, flops / native.Ms / 1e6, native.Error, fast.Ms, flops / fast.Ms / 1e6, fast.Error,
                        native.Ms / fast.Ms));
            }
            return 0;
        });
        return command;
    }

    private static (double Ms, double Error) Measure(Tensor x, Tensor w, Tensor b, int stride, int padding, Tensor gy,
        Tensor[] reference, int reps, bool fast)
    {
        var result = Step(x, w, b, stride, padding, gy, fast); // warm-up; also the checked result
        double error = 0;
        for (int i = 0; i < reference.Length; i++)
            error = Math.Max(error,
                (result[i].to(float64) - reference[i]).abs().max().item<double>() / reference[i].abs().max().item<double>());
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++)
        {
            using var scope = NewDisposeScope();
            Step(x, w, b, stride, padding, gy, fast);
        }
        return (clock.Elapsed.TotalMilliseconds / reps, error);
    }

    /// <summary>[y] without gy; [y, dx, dw] with it (the bias gradient is a plain sum either way).</summary>
    private static Tensor[] Step(Tensor x0, Tensor w0, Tensor b0, int stride, int padding, Tensor? gy, bool fast)
    {
        var x = x0.detach().requires_grad_(true);
        var w = w0.detach().requires_grad_(true);
        var b = b0.detach().requires_grad_(true);
        var y = fast ? OneDnnConv2d.Forward(x, w, b, stride, padding)
            : nn.functional.conv2d(x, w, b, strides: [stride, stride], padding: [padding, padding]);
        if (gy is null) return [y.detach()];
        var grads = autograd.grad([y], [x, w], [gy]);
        return [y.detach(), grads[0], grads[1]];
    }
}

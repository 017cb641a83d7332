using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using T2I.Core;
using TorchSharp;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training backend-check</c>: which libtorch this process runs, whether CUDA is usable, and the seeded figures of
/// <see cref="TorchSmoke"/> as one JSON line; with <c>--compare-cpu</c> also the same figures on the CPU and how far the
/// two devices' images are apart. The external-backend test compares this line across builds.
/// </summary>
public static class BackendCheckCommand
{
    public static Command Build()
    {
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | cuda:N.", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--threads")
        {
            Description = "Torch CPU threads (figures are bit-exact only at equal counts).", DefaultValueFactory = _ => 1,
        };
        var compare = new Option<bool>("--compare-cpu") { Description = "Also run on the CPU; report the largest pixel difference." };
        var command = new Command("backend-check",
            "Smoke-test the loaded libtorch: matmul, conv, backward, SDPA, a tiny DiT step, a sampled image.")
        {
            device, threads, compare,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            TorchRuntime.SetThreads(parse.GetValue(threads));
            var target = TorchRuntime.ResolveDevice(parse.GetValue(device));
            output.WriteLine($"libtorch {TorchRuntime.LibTorchDescription}; CUDA available: {torch.cuda.is_available()}" +
                (torch.cuda.is_available() ? $" ({torch.cuda.device_count()} device(s))" : ""));
            var result = TorchSmoke.Run(target);
            output.WriteLine(JsonSerializer.Serialize(Figures(result)));
            if (parse.GetValue(compare) && target.type != DeviceType.CPU)
            {
                var cpu = TorchSmoke.Run(torch.CPU);
                output.WriteLine(JsonSerializer.Serialize(Figures(cpu)));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"same seed, {result.Device} vs cpu: largest pixel difference {result.MaxPixelDifference(cpu)} / 255, " +
                    $"DiT loss {result.DitLoss:G6} vs {cpu.DitLoss:G6}, matmul sum {result.MatmulSum:G6} vs {cpu.MatmulSum:G6}"));
            }
            return 0;
        });
        return command;
    }

    private static Dictionary<string, object> Figures(TorchSmoke.Result r) => new()
    {
        ["device"] = r.Device, ["libtorch"] = r.LibTorch, ["matmul_sum"] = r.MatmulSum, ["conv_sum"] = r.ConvSum,
        ["grad_norm"] = r.GradNorm, ["sdpa_max_error"] = r.AttentionError, ["dit_loss"] = r.DitLoss,
        ["dit_param_sum"] = r.DitParamSum, ["png_sha256"] = r.PngSha256,
    };
}

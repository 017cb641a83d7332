using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core;

/// <summary>Device choice and deterministic seeding shared by every host.</summary>
public static class TorchRuntime
{
    /// <summary>"auto" picks CUDA when the loaded libtorch has CUDA and a GPU is visible, else CPU.</summary>
    public static Device ResolveDevice(string? requested = "auto")
    {
        string name = string.IsNullOrWhiteSpace(requested) ? "auto" : requested.Trim().ToLowerInvariant();
        if (name == "auto") return cuda.is_available() ? CUDA : CPU;
        if (name.StartsWith("cuda", StringComparison.Ordinal) && !cuda.is_available())
            throw new InvalidOperationException($"Device '{requested}' requested but CUDA is not available: libtorch " +
                $"{LibTorchDescription}. Build with -p:T2IBackend=external and set T2I_LIBTORCH to a CUDA libtorch 2.10 " +
                "(a pip torch's torch/lib) on a GPU machine.");
        return new Device(name);
    }

    /// <summary>Which libtorch this process runs: the NuGet one shipped beside it, or the external one T2I_LIBTORCH named.</summary>
    public static string LibTorchDescription => AppContext.GetData("T2I.LibTorch") is string s && s.Length > 0
        ? s : $"2.10.0 ({AppContext.GetData("T2I.Backend") as string ?? "cpu"}, shipped with the build)";

    /// <summary>The JIT's optimisation state of this build, for benchmark result lines.</summary>
    public static string BuildConfiguration { get; } =
        typeof(TorchRuntime).Assembly.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false)
            .OfType<System.Diagnostics.DebuggableAttribute>().Any(d => d.IsJITOptimizerDisabled) ? "Debug" : "Release";

    /// <summary>
    /// What every benchmark's header and result line says about its build: a Debug build (JIT optimiser off) measured
    /// the DataPrep resize at 0.43 × libvips where Release gave 1.18 ×, so its figures must not be quoted.
    /// </summary>
    public static string BuildNote => BuildConfiguration == "Debug"
        ? "Debug build: figures not representative; use -c Release"
        : "Release build";

    /// <summary>Seeds torch's global generators (CPU and, where present, CUDA).</summary>
    public static void Seed(long seed)
    {
        torch.manual_seed(seed);
        if (cuda.is_available()) torch.cuda.manual_seed_all(seed);
    }

    /// <summary>Caps intra-op threads; tests and CI share 2 cores between processes.</summary>
    public static void SetThreads(int threads) => torch.set_num_threads(Math.Max(1, threads));
}

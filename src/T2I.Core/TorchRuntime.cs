using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core;

/// <summary>Device choice and deterministic seeding shared by every host.</summary>
public static class TorchRuntime
{
    /// <summary>"auto" picks CUDA when the CUDA backend is built in and a GPU is visible, else CPU.</summary>
    public static Device ResolveDevice(string? requested = "auto")
    {
        string name = string.IsNullOrWhiteSpace(requested) ? "auto" : requested.Trim().ToLowerInvariant();
        if (name == "auto") return cuda.is_available() ? CUDA : CPU;
        if (name.StartsWith("cuda", StringComparison.Ordinal) && !cuda.is_available())
            throw new InvalidOperationException($"Device '{requested}' requested but CUDA is not available (build with -p:T2IBackend=cuda on a machine with a GPU).");
        return new Device(name);
    }

    /// <summary>Seeds torch's global generators (CPU and, where present, CUDA).</summary>
    public static void Seed(long seed)
    {
        torch.manual_seed(seed);
        if (cuda.is_available()) torch.cuda.manual_seed_all(seed);
    }

    /// <summary>Caps intra-op threads; tests and CI share 2 cores between processes.</summary>
    public static void SetThreads(int threads) => torch.set_num_threads(Math.Max(1, threads));
}

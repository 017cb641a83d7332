// Compiled into every T2I assembly (see Directory.Build.targets); runs before any torch call, once per process.
// 1. Makes std::ios_base_library_init() globally visible where the system libstdc++ lacks it (the build ships
//    libt2i_glibcxx_compat.so only where needed, and always in the external backend).
// 2. In the external backend (-p:T2IBackend=external, no libtorch shipped) loads libtorch from T2I_LIBTORCH,
//    checks its version and binds TorchSharp's shim to it with immediate binding, so a wrong libtorch fails here
//    in one line instead of at some later first call.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

#pragma warning disable CA2255 // a module initializer is the one place that runs before any torch call
file static class T2INativePreload
{
    [ModuleInitializer]
    internal static void Run()
    {
        if (!OperatingSystem.IsLinux() || AppContext.GetData(ExternalLibTorch.LoadedKey) is not null) return;
        AppContext.SetData(ExternalLibTorch.LoadedKey, "");
        string compat = Path.Combine(AppContext.BaseDirectory, "libt2i_glibcxx_compat.so");
        if (File.Exists(compat)) Dl.Open(compat, Dl.Now | Dl.Global);
        if (AppContext.GetData("T2I.Backend") as string != "external") return;
        try
        {
            AppContext.SetData(ExternalLibTorch.LoadedKey, ExternalLibTorch.Load(Environment.GetEnvironmentVariable("T2I_LIBTORCH")));
        }
        catch (ExternalLibTorch.LoadException e)
        {
            Console.Error.WriteLine("t2i: " + e.Message);
            Environment.Exit(3);
        }
    }
}

/// <summary>Loads an installed libtorch (a pip torch's <c>torch/lib</c>, an unzipped libtorch) for TorchSharp 0.107.</summary>
file static class ExternalLibTorch
{
    /// <summary>AppContext key: "" = preload ran, nothing external; else "2.10.0 (cuda) from DIR".</summary>
    public const string LoadedKey = "T2I.LibTorch";
    const string Required = "2.10."; // TorchSharp 0.107's libLibTorchSharp.so was built against libtorch 2.10.0

    public sealed class LoadException(string message) : Exception(message);

    public static string Load(string? dir)
    {
        Dl.Error(); // binds dlerror now: its first P/Invoke would resolve the symbol with dlsym, clearing the error to report
        if (string.IsNullOrWhiteSpace(dir))
            throw new LoadException("this build ships no libtorch (-p:T2IBackend=external): set T2I_LIBTORCH to a folder with " +
                "libtorch 2.10.x, e.g. T2I_LIBTORCH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')/lib");
        dir = Path.GetFullPath(dir);
        if (!Directory.Exists(dir)) throw new LoadException($"T2I_LIBTORCH={dir}: no such folder.");
        foreach (var lib in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
            if (!File.Exists(Path.Combine(dir, lib))) throw new LoadException($"T2I_LIBTORCH={dir} holds no {lib}: not a libtorch folder.");

        Open(dir, "libc10.so");
        IntPtr cpu = Open(dir, "libtorch_cpu.so");
        var (version, builtWithCuda) = BuildInfo(cpu, dir);
        if (!version.StartsWith(Required, StringComparison.Ordinal))
            throw new LoadException($"T2I_LIBTORCH={dir} holds libtorch {version}; TorchSharp 0.107 needs {Required}x " +
                "(libtorch has no stable C++ ABI across versions): install torch==2.10.* and point T2I_LIBTORCH at its torch/lib.");
        bool cuda = File.Exists(Path.Combine(dir, "libtorch_cuda.so"));
        if (cuda) Open(dir, "libtorch_cuda.so"); // TorchSharp's shim does not link it; loaded, it registers the CUDA backend
        Open(dir, "libtorch.so");

        string shim = FindShim() ?? throw new LoadException($"libLibTorchSharp.so is not beside {AppContext.BaseDirectory}.");
        if (Dl.Open(shim, Dl.Now | Dl.Global) == IntPtr.Zero)
            throw new LoadException($"TorchSharp's libLibTorchSharp.so does not bind to libtorch {version} in {dir}: {Dl.Error()}");
        return $"{version} ({(cuda && builtWithCuda ? "cuda" : "cpu")}) from {dir}";
    }

    static IntPtr Open(string dir, string lib)
    {
        IntPtr handle = Dl.Open(Path.Combine(dir, lib), Dl.Now | Dl.Global);
        return handle != IntPtr.Zero ? handle : throw new LoadException($"T2I_LIBTORCH: cannot load {lib}: {Dl.Error()}");
    }

    static string? FindShim()
    {
        var dirs = (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string ?? "").Split(Path.PathSeparator)
            .Append(AppContext.BaseDirectory).Append(Path.Combine(AppContext.BaseDirectory, "runtimes/linux-x64/native"));
        return dirs.Where(d => d.Length > 0).Select(d => Path.Combine(d, "libLibTorchSharp.so")).FirstOrDefault(File.Exists);
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate IntPtr StringReturning(IntPtr result);

    /// <summary>
    /// TORCH_VERSION and USE_CUDA as the library states them in <c>at::show_config()</c>'s build settings (no file beside
    /// a pip wheel's or a NuGet package's libraries says the version). It returns a std::string: on x86-64 SysV the
    /// caller passes the 32-byte result's address as the hidden first argument, and libstdc++'s layout starts with the
    /// data pointer and the length. The returned string is left allocated (a few kB, once per process).
    /// </summary>
    static (string Version, bool Cuda) BuildInfo(IntPtr torchCpu, string dir)
    {
        IntPtr fn = Dl.Symbol(torchCpu, "_ZN2at11show_configB5cxx11Ev");
        if (fn == IntPtr.Zero || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            throw new LoadException($"T2I_LIBTORCH={dir}: cannot read the libtorch version (no at::show_config on this build).");
        IntPtr result = Marshal.AllocHGlobal(64);
        try
        {
            Marshal.GetDelegateForFunctionPointer<StringReturning>(fn)(result);
            string config = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(result), checked((int)Marshal.ReadInt64(result, 8)));
            string? Setting(string key) => config.Split(',', StringSplitOptions.TrimEntries)
                .FirstOrDefault(s => s.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];
            string version = Setting("TORCH_VERSION")
                ?? throw new LoadException($"T2I_LIBTORCH={dir}: libtorch's build settings name no TORCH_VERSION.");
            return (version, Setting("USE_CUDA") is "1" or "ON");
        }
        finally { Marshal.FreeHGlobal(result); }
    }
}

file static class Dl
{
    public const int Now = 2, Global = 0x100;

    [DllImport("libc", EntryPoint = "dlopen")]
    public static extern IntPtr Open(string path, int flags);

    [DllImport("libc", EntryPoint = "dlsym")]
    public static extern IntPtr Symbol(IntPtr handle, string name);

    [DllImport("libc", EntryPoint = "dlerror")]
    static extern IntPtr ErrorPtr();

    public static string Error() => Marshal.PtrToStringUTF8(ErrorPtr()) ?? "unknown dlopen error";
}

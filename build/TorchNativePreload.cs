// Compiled into every T2I assembly (see Directory.Build.targets). Before TorchSharp loads its native
// shim, make std::ios_base_library_init() globally visible on systems whose libstdc++ lacks it.
// The build only ships libt2i_glibcxx_compat.so where it is needed, so elsewhere this does nothing.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

#pragma warning disable CA2255 // a module initializer is the one place that runs before any torch call
file static class T2INativePreload
{
    const int RtldNow = 2, RtldGlobal = 0x100;

    [DllImport("libc", EntryPoint = "dlopen")]
    static extern IntPtr DlOpen(string path, int flags);

    [ModuleInitializer]
    internal static void Run()
    {
        if (!OperatingSystem.IsLinux()) return;
        string path = Path.Combine(AppContext.BaseDirectory, "libt2i_glibcxx_compat.so");
        if (File.Exists(path)) DlOpen(path, RtldNow | RtldGlobal);
    }
}

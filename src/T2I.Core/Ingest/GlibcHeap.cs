using System.Runtime.InteropServices;

namespace T2I.Core.Ingest;

/// <summary>
/// Keeps the native heap flat. Decoding allocates a pixel buffer of a few MB per image (in Skia, outside the
/// GC). glibc serves such blocks with mmap, but after the first free it raises its mmap threshold to the
/// freed size, so later buffers come from the heap arenas, whose freed middles are never returned: resident
/// memory then climbs with every shard (measured: 85 → 146 MB of native memory over 64 shards). A fixed
/// threshold switches that adaptation off, so every large buffer is mapped and unmapped again.
/// </summary>
public static class GlibcHeap
{
    private const int M_MMAP_THRESHOLD = -3;
    private const int M_ARENA_MAX = -8;
    private static bool _glibc = OperatingSystem.IsLinux();

    /// <summary>
    /// Blocks from 128 kB up are always mmapped (glibc's initial threshold, now fixed), and at most two
    /// arenas (each new thread-pool thread would otherwise get its own heap to fragment). No-op off glibc.
    /// </summary>
    public static void KeepLargeBlocksMapped()
    {
        if (!_glibc) return;
        try
        {
            _ = mallopt(M_MMAP_THRESHOLD, 128 * 1024);
            _ = mallopt(M_ARENA_MAX, 2);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { _glibc = false; } // musl and others
    }

    /// <summary>Returns free heap pages to the system (between shards: cheap, and the next shard starts flat).</summary>
    public static void Trim()
    {
        if (!_glibc) return;
        try { _ = malloc_trim(0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { _glibc = false; }
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for this one int call
    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);
#pragma warning restore SYSLIB1054
}

using System.Runtime.InteropServices;

namespace T2I.DataPrep.Bench;

/// <summary>
/// CPU time rather than wall time: on a shared machine wall time measures the neighbours too, while
/// images per CPU-second is the per-core throughput the benchmark is about, for us and for vips alike.
/// </summary>
internal static class CpuClock
{
    /// <summary>CPU time (user + system) of this process, all threads.</summary>
    public static TimeSpan Self() { using var p = System.Diagnostics.Process.GetCurrentProcess(); return p.TotalProcessorTime; }

    /// <summary>CPU time of all child processes that have exited and been waited for (getrusage RUSAGE_CHILDREN).</summary>
    public static TimeSpan Children()
    {
        if (!OperatingSystem.IsLinux() || getrusage(-1, out var u) != 0) return TimeSpan.Zero;
        return TimeSpan.FromMicroseconds(u.UserSec * 1e6 + u.UserUsec + u.SysSec * 1e6 + u.SysUsec);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSec, UserUsec, SysSec, SysUsec;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 14)] public long[] Rest;
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for this one call
    [DllImport("libc")]
    private static extern int getrusage(int who, out RUsage usage);
#pragma warning restore SYSLIB1054
}

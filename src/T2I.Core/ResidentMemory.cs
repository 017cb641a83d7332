using System.Globalization;

namespace T2I.Core;

/// <summary>
/// This process's resident set (Linux <c>/proc/self/status</c>: VmRSS now, VmHWM its peak) and a reset of the peak
/// (<c>/proc/self/clear_refs</c> ← 5, Linux ≥ 4.0), so one process can measure the peak of several phases in turn.
/// Elsewhere: the working set from <see cref="System.Diagnostics.Process"/>, and the peak cannot be reset.
/// </summary>
public static class ResidentMemory
{
    public static long CurrentBytes() => Read("VmRSS:") ?? System.Diagnostics.Process.GetCurrentProcess().WorkingSet64;

    public static long PeakBytes() => Read("VmHWM:") ?? System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64;

    /// <summary>Sets the peak to the current resident set; false where the system cannot.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    private static long? Read(string field)
    {
        if (!OperatingSystem.IsLinux()) return null;
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            string kb = line[field.Length..].Trim().Split(' ')[0];
            return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
        }
        return null;
    }
}

using System.Diagnostics;
using System.Globalization;
using static TorchSharp.torch;

namespace T2I.Training.Loop;

/// <summary>Thrown before anything is allocated when a preset's memory estimate exceeds what the device has.</summary>
public sealed class InsufficientDeviceMemoryException(string message) : Exception(message);

/// <summary>Refuses a run whose estimated peak memory exceeds the device's available memory.</summary>
public static class MemoryGuard
{
    /// <summary>Available bytes on <paramref name="device"/>, or null when it cannot be measured.</summary>
    public static long? AvailableBytes(Device device)
        => device.type == TorchSharp.DeviceType.CUDA ? CudaFreeBytes(device.index < 0 ? 0 : device.index) : HostAvailableBytes();

    public static void EnsureFits(string preset, long estimatedBytes, Device device)
    {
        long? available = AvailableBytes(device);
        if (available is { } a && estimatedBytes > a)
            throw new InsufficientDeviceMemoryException(
                $"Preset '{preset}' needs an estimated {MemoryEstimate.Format(estimatedBytes)} on {device}, but only " +
                    $"{MemoryEstimate.Format(a)} is available. " +
                "Nothing was allocated. Use a smaller preset, lower batch_size (--set batch_size=N), or a device with more memory.");
    }

    /// <summary>Linux MemAvailable, capped by a cgroup memory limit when one applies.</summary>
    public static long? HostAvailableBytes()
    {
        long? available = null;
        try
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    available = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        available ??= GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        try
        {
            string max = File.ReadAllText("/sys/fs/cgroup/memory.max").Trim();
            string current = File.ReadAllText("/sys/fs/cgroup/memory.current").Trim();
            if (max != "max" && long.TryParse(max, out long limit) && long.TryParse(current, out long used))
                available = Math.Min(available.Value, Math.Max(0, limit - used));
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return available;
    }

    /// <summary>Free memory of a GPU via nvidia-smi (TorchSharp exposes no mem_get_info); null when unknown.</summary>
    private static long? CudaFreeBytes(int index)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("nvidia-smi",
                $"--query-gpu=memory.free --format=csv,noheader,nounits -i {index}")
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (p is null) return null;
            string output = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(10_000) || p.ExitCode != 0) return null;
            return long.TryParse(output.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long mib)
                ? mib * 1024 * 1024 : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}

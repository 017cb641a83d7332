using System.Runtime.InteropServices;

namespace T2I.Core.Distributed;

/// <summary>cudaSetDevice from the CUDA runtime torch ships with (TorchSharp exposes no current-device setter).</summary>
internal static unsafe class CudaRuntime
{
    private static readonly string[] Names = ["libcudart.so.12", "libcudart.so.11.0", "libcudart.so"];

    public static void SetDevice(int device)
    {
        IntPtr lib = IntPtr.Zero;
        if (!Names.Any(n => NativeLibrary.TryLoad(n, out lib)))
            throw new DllNotFoundException($"No CUDA runtime ({string.Join(", ", Names)}) to select cuda:{device} for NCCL.");
        var set = (delegate* unmanaged<int, int>)NativeLibrary.GetExport(lib, "cudaSetDevice");
        int rc = set(device);
        if (rc != 0) throw new InvalidOperationException($"cudaSetDevice({device}) failed with CUDA error {rc}.");
    }
}

using System.Runtime.InteropServices;

namespace T2I.Core.Distributed;

/// <summary>NCCL's opaque 128-byte communicator id (NCCL_UNIQUE_ID_BYTES), passed by value to ncclCommInitRank.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NcclUniqueId
{
    public const int Size = 128;
    public fixed byte Bytes[Size];
}

/// <summary>The NCCL entry points the NCCL backend uses, bound by function pointer from <c>libnccl.so.2</c>.</summary>
internal sealed unsafe class NcclNative
{
    public const string Library = "libnccl.so.2";
    /// <summary>ncclDataType_t and ncclRedOp_t values from nccl.h.</summary>
    public const int Uint8 = 1, Int32 = 2, Int64 = 4, Float16 = 6, Float32 = 7, Float64 = 8, BFloat16 = 9;
    public const int OpSum = 0, OpMax = 2, OpAvg = 4;

    private readonly IntPtr _lib;

    public delegate* unmanaged<NcclUniqueId*, int> GetUniqueId { get; }
    public delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, int> CommInitRank { get; }
    public delegate* unmanaged<IntPtr, int> CommDestroy { get; }
    public delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> AllReduce { get; }
    public delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> Broadcast { get; }
    public delegate* unmanaged<IntPtr, IntPtr, nuint, int, IntPtr, IntPtr, int> AllGather { get; }
    public delegate* unmanaged<int, IntPtr> ErrorString { get; }
    public delegate* unmanaged<int*, int> GetVersion { get; }

    private NcclNative(IntPtr lib)
    {
        _lib = lib;
        GetUniqueId = (delegate* unmanaged<NcclUniqueId*, int>)Export("ncclGetUniqueId");
        CommInitRank = (delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, int>)Export("ncclCommInitRank");
        CommDestroy = (delegate* unmanaged<IntPtr, int>)Export("ncclCommDestroy");
        AllReduce = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)Export("ncclAllReduce");
        Broadcast = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)Export("ncclBroadcast");
        AllGather = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, IntPtr, IntPtr, int>)Export("ncclAllGather");
        ErrorString = (delegate* unmanaged<int, IntPtr>)Export("ncclGetErrorString");
        GetVersion = (delegate* unmanaged<int*, int>)Export("ncclGetVersion");
    }

    public static NcclNative? TryLoad(out string? error)
    {
        if (!NativeLibrary.TryLoad(Library, out IntPtr lib))
        {
            error = $"{Library} not found (it ships in CUDA images and in pip's nvidia-nccl-cu12; put its folder on " +
                "LD_LIBRARY_PATH)";
            return null;
        }
        error = null;
        return new NcclNative(lib);
    }

    public void Check(int rc, string call)
    {
        if (rc != 0) throw new InvalidOperationException($"{call} failed: {Marshal.PtrToStringUTF8(ErrorString(rc))} ({rc}).");
    }

    public string Version()
    {
        int v = 0;
        return GetVersion(&v) == 0 ? $"{v / 10000}.{v / 100 % 100}.{v % 100}" : "?";
    }

    private IntPtr Export(string name) => NativeLibrary.GetExport(_lib, name);
}

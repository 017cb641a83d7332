using System.Runtime.InteropServices;

namespace T2I.Core.Distributed;

/// <summary>
/// The dozen Open MPI entry points the MPI backend uses, bound by function pointer from <c>libmpi.so.40</c>. Open MPI's
/// handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM) are addresses of exported globals, so this binding is Open MPI's ABI,
/// not MPICH's. Loaded with RTLD_GLOBAL: a private (RTLD_LOCAL) load is what broke Open MPI's plugins in
/// open-mpi/ompi #3705 (4.1.4 on Debian works either way — measured — but other builds may not).
/// </summary>
internal sealed unsafe class MpiNative
{
    public const string Library = "libmpi.so.40";
    public const int Success = 0, ThreadSerialized = 2;
    /// <summary>Open MPI's MPI_IN_PLACE is the address 1.</summary>
    public static readonly IntPtr InPlace = 1;

    private readonly IntPtr _lib;

    public delegate* unmanaged<int*, IntPtr*, int, int*, int> InitThread { get; }
    public delegate* unmanaged<int*, int> Initialized { get; }
    public delegate* unmanaged<int*, int> Finalized { get; }
    public delegate* unmanaged<int> Finalize { get; }
    public delegate* unmanaged<IntPtr, int*, int> CommRank { get; }
    public delegate* unmanaged<IntPtr, int*, int> CommSize { get; }
    public delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int> Allreduce { get; }
    public delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int> Bcast { get; }
    public delegate* unmanaged<IntPtr, int> Barrier { get; }
    public delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int, IntPtr, IntPtr, int> Allgather { get; }
    public delegate* unmanaged<IntPtr, int, int> Abort { get; }
    public delegate* unmanaged<byte*, int*, int> LibraryVersion { get; }

    public IntPtr CommWorld { get; }
    public IntPtr Float { get; }
    public IntPtr Double { get; }
    public IntPtr Int { get; }
    public IntPtr LongLong { get; }
    public IntPtr Byte { get; }
    public IntPtr OpSum { get; }
    public IntPtr OpMax { get; }

    private MpiNative(IntPtr lib)
    {
        _lib = lib;
        InitThread = (delegate* unmanaged<int*, IntPtr*, int, int*, int>)Export("MPI_Init_thread");
        Initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        Finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        CommRank = (delegate* unmanaged<IntPtr, int*, int>)Export("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<IntPtr, int*, int>)Export("MPI_Comm_size");
        Allreduce = (delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int>)Export("MPI_Allreduce");
        Bcast = (delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int>)Export("MPI_Bcast");
        Barrier = (delegate* unmanaged<IntPtr, int>)Export("MPI_Barrier");
        Allgather = (delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int, IntPtr, IntPtr, int>)Export("MPI_Allgather");
        Abort = (delegate* unmanaged<IntPtr, int, int>)Export("MPI_Abort");
        LibraryVersion = (delegate* unmanaged<byte*, int*, int>)Export("MPI_Get_library_version");
        CommWorld = Export("ompi_mpi_comm_world");
        Float = Export("ompi_mpi_float");
        Double = Export("ompi_mpi_double");
        Int = Export("ompi_mpi_int");
        LongLong = Export("ompi_mpi_long_long_int");
        Byte = Export("ompi_mpi_byte");
        OpSum = Export("ompi_mpi_op_sum");
        OpMax = Export("ompi_mpi_op_max");
    }

    /// <summary>The loaded library, or null with the loader's reason.</summary>
    public static MpiNative? TryLoad(out string? error)
    {
        const int RtldNow = 2, RtldGlobal = 0x100;
        IntPtr lib = dlopen(Library, RtldNow | RtldGlobal);
        if (lib == IntPtr.Zero)
        {
            error = $"{Library} not loadable ({Marshal.PtrToStringUTF8(dlerror()) ?? "dlopen failed"}); install Open MPI " +
                "(Debian: openmpi-bin libopenmpi-dev, see infra/install-deps.sh).";
            return null;
        }
        error = null;
        return new MpiNative(lib);
    }

    /// <summary>Throws with the call's name when an MPI call did not return MPI_SUCCESS.</summary>
    public static void Check(int rc, string call)
    {
        if (rc != Success) throw new InvalidOperationException($"{call} failed with MPI error {rc}.");
    }

    public string Version()
    {
        byte* text = stackalloc byte[256];   // MPI_MAX_LIBRARY_VERSION_STRING is 256 in Open MPI
        int length = 0;
        return LibraryVersion(text, &length) == Success ? Marshal.PtrToStringUTF8((IntPtr)text, length).Split(',')[0] : "?";
    }

    private IntPtr Export(string name) => NativeLibrary.GetExport(_lib, name);

#pragma warning disable SYSLIB1054 // two libc calls: DllImport keeps them free of generated marshalling
    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern IntPtr dlopen(string file, int mode);

    [DllImport("libc")]
    private static extern IntPtr dlerror();
#pragma warning restore SYSLIB1054
}

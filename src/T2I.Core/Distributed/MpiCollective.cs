using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Distributed;

/// <summary>
/// Open MPI backend (CPU ranks; start them with <c>mpirun</c>). Tensors off the CPU are staged through host memory.
/// A rank that dies takes the job down: Open MPI's default MPI_ERRORS_ARE_FATAL and mpirun's watch of its children
/// end the other ranks instead of leaving them blocked in a collective.
/// </summary>
public sealed unsafe class MpiCollective : ICollective
{
    private readonly MpiNative _mpi;
    private bool _disposed;

    private MpiCollective(MpiNative mpi, int localRank)
    {
        _mpi = mpi;
        int initialized = 0;
        MpiNative.Check(mpi.Initialized(&initialized), "MPI_Initialized");
        if (initialized == 0)
        {
            // Serialized: the loop may run on a worker thread, never on two at once.
            int provided = 0;
            MpiNative.Check(mpi.InitThread(null, null, MpiNative.ThreadSerialized, &provided), "MPI_Init_thread");
            if (provided < MpiNative.ThreadSerialized)
                throw new InvalidOperationException($"Open MPI offers thread level {provided}; the loop needs MPI_THREAD_SERIALIZED.");
        }
        int rank = 0, size = 0;
        MpiNative.Check(mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
        MpiNative.Check(mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
        Rank = rank;
        WorldSize = size;
        LocalRank = localRank;
        Backend = $"mpi ({mpi.Version()})";
    }

    public int Rank { get; }
    public int WorldSize { get; }
    public int LocalRank { get; }
    public string Backend { get; }

    /// <summary>Initialises MPI (once per process) and joins MPI_COMM_WORLD.</summary>
    public static MpiCollective Create(int localRank = 0)
        => new(MpiNative.TryLoad(out string? error) ?? throw new DllNotFoundException(error), localRank);

    /// <summary>Whether libmpi.so.40 can be loaded here (tests skip with the reason when not).</summary>
    public static bool IsAvailable(out string? reason) => MpiNative.TryLoad(out reason) is not null;

    public void AllReduce(Tensor buffer, ReduceOp op)
    {
        OnHost(buffer, host =>
        {
            MpiNative.Check(_mpi.Allreduce(MpiNative.InPlace, Address(host), Count(host), TypeOf(host.dtype),
                op == ReduceOp.Max ? _mpi.OpMax : _mpi.OpSum, _mpi.CommWorld), "MPI_Allreduce");
            if (op != ReduceOp.Mean) return;
            // A Scalar disposed here, not an implicit one left to the finaliser (see TorchSharpFixes.ScalarSafe).
            using var scale = (1.0 / WorldSize).ToScalar();
            host.mul_(scale);
        });
    }

    public void Broadcast(Tensor buffer, int root = 0)
    {
        OnHost(buffer, host =>
        {
            // Any dtype (bf16 included): a broadcast moves bytes.
            MpiNative.Check(_mpi.Bcast(Address(host), checked((int)(host.NumberOfElements * host.ElementSize)), _mpi.Byte, root,
                _mpi.CommWorld), "MPI_Bcast");
        });
    }

    public void Barrier() => MpiNative.Check(_mpi.Barrier(_mpi.CommWorld), "MPI_Barrier");

    public byte[][] AllGather(byte[] mine)
    {
        var lengths = new int[WorldSize];
        int length = mine.Length;
        fixed (int* all = lengths)
            MpiNative.Check(_mpi.Allgather((IntPtr)(&length), 1, _mpi.Int, (IntPtr)all, 1, _mpi.Int, _mpi.CommWorld), "MPI_Allgather");
        int width = Math.Max(1, lengths.Max());
        var padded = new byte[width];
        mine.CopyTo(padded, 0);
        var gathered = new byte[width * WorldSize];
        fixed (byte* send = padded, receive = gathered)
            MpiNative.Check(_mpi.Allgather((IntPtr)send, width, _mpi.Byte, (IntPtr)receive, width, _mpi.Byte, _mpi.CommWorld),
                "MPI_Allgather");
        return Enumerable.Range(0, WorldSize).Select(r => gathered.AsSpan(r * width, lengths[r]).ToArray()).ToArray();
    }

    /// <summary>Ends the whole job at once (every rank, through mpirun) — for a rank that cannot go on.</summary>
    public void Abort(int code) => _mpi.Abort(_mpi.CommWorld, code);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        int finalized = 0;
        if (_mpi.Finalized(&finalized) == MpiNative.Success && finalized == 0) _mpi.Finalize();
    }

    private static void OnHost(Tensor buffer, Action<Tensor> action)
    {
        if (!buffer.is_contiguous()) throw new ArgumentException("Collective buffers must be contiguous.", nameof(buffer));
        if (buffer.device_type == DeviceType.CPU)
        {
            action(buffer);
            return;
        }
        using var host = buffer.cpu();
        action(host);
        buffer.copy_(host);
    }

    /// <summary>The address of a CPU tensor's storage: <c>Tensor.bytes</c> spans native memory, which never moves.</summary>
    private static IntPtr Address(Tensor host)
    {
        fixed (byte* p = host.bytes) return (IntPtr)p;
    }

    private static int Count(Tensor t) => checked((int)t.NumberOfElements);

    private IntPtr TypeOf(ScalarType type) => type switch
    {
        ScalarType.Float32 => _mpi.Float,
        ScalarType.Float64 => _mpi.Double,
        ScalarType.Int32 => _mpi.Int,
        ScalarType.Int64 => _mpi.LongLong,
        _ => throw new NotSupportedException($"MPI all-reduce of {type}: reduce float32/float64/int32/int64 buffers " +
            "(gradient buckets are float32)."),
    };
}

using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Distributed;

/// <summary>
/// NCCL backend (GPU ranks): one communicator over every rank's <c>cuda:LOCAL_RANK</c>, collectives queued on the
/// default CUDA stream that torch's kernels use, so they order with the backward pass without extra syncs. NCCL needs
/// its unique id on every rank before the communicator exists: it comes over MPI (<see cref="OverMpi"/>) or from
/// rank 0 at MASTER_ADDR:MASTER_PORT (<see cref="OverTcpRendezvous"/>), as torchrun's store hands it out.
/// </summary>
public sealed unsafe class NcclCollective : ICollective
{
    private readonly NcclNative _nccl;
    private readonly IntPtr _comm;
    private readonly IDisposable? _bootstrap;
    private readonly Device _device;
    private bool _disposed;

    private NcclCollective(NcclNative nccl, NcclUniqueId id, int rank, int worldSize, int localRank, IDisposable? bootstrap)
    {
        _nccl = nccl;
        _bootstrap = bootstrap;
        Rank = rank;
        WorldSize = worldSize;
        LocalRank = localRank;
        _device = new Device(DeviceType.CUDA, localRank);
        CudaRuntime.SetDevice(localRank);   // ncclCommInitRank binds the communicator to the current device
        IntPtr comm;
        nccl.Check(nccl.CommInitRank(&comm, worldSize, id, rank), "ncclCommInitRank");
        _comm = comm;
        Backend = $"nccl {nccl.Version()}";
    }

    public int Rank { get; }
    public int WorldSize { get; }
    public int LocalRank { get; }
    public string Backend { get; }

    public static bool IsAvailable(out string? reason)
    {
        if (NcclNative.TryLoad(out reason) is null) return false;
        if (torch.cuda.is_available()) return true;
        reason = $"{NcclNative.Library} loads but torch sees no CUDA device";
        return false;
    }

    /// <summary>Rank 0 makes the id, MPI broadcasts it; the MPI job stays open for the communicator's life.</summary>
    public static NcclCollective OverMpi(MpiCollective mpi)
    {
        var nccl = NcclNative.TryLoad(out string? error) ?? throw new DllNotFoundException(error);
        byte[] id = new byte[NcclUniqueId.Size];
        if (mpi.Rank == 0) id = MakeId(nccl);
        using (var t = torch.tensor(id))
        {
            mpi.Broadcast(t);
            id = t.data<byte>().ToArray();
        }
        return new NcclCollective(nccl, ToId(id), mpi.Rank, mpi.WorldSize, mpi.LocalRank, mpi);
    }

    /// <summary>torchrun-style ranks: rank 0 serves the id on MASTER_ADDR:MASTER_PORT, the others fetch it.</summary>
    public static NcclCollective OverTcpRendezvous(RankEnvironment env, MasterEndpoint master)
    {
        var nccl = NcclNative.TryLoad(out string? error) ?? throw new DllNotFoundException(error);
        byte[] id = env.Rank == 0 ? master.Serve(MakeId(nccl), env.WorldSize - 1) : master.Fetch(NcclUniqueId.Size);
        return new NcclCollective(nccl, ToId(id), env.Rank, env.WorldSize, env.LocalRank, null);
    }

    public void AllReduce(Tensor buffer, ReduceOp op)
    {
        OnDevice(buffer, t => _nccl.Check(_nccl.AllReduce(Data(t), Data(t), (nuint)t.NumberOfElements, TypeOf(t.dtype),
            op switch { ReduceOp.Mean => NcclNative.OpAvg, ReduceOp.Max => NcclNative.OpMax, _ => NcclNative.OpSum }, _comm,
            IntPtr.Zero), "ncclAllReduce"));
    }

    public void Broadcast(Tensor buffer, int root = 0)
    {
        OnDevice(buffer, t => _nccl.Check(_nccl.Broadcast(Data(t), Data(t), (nuint)(t.NumberOfElements * t.ElementSize),
            NcclNative.Uint8, root, _comm, IntPtr.Zero), "ncclBroadcast"));
    }

    public void Barrier()
    {
        using var one = torch.ones(1, device: _device);
        AllReduce(one, ReduceOp.Sum);
        torch.cuda.synchronize(_device);
    }

    public byte[][] AllGather(byte[] mine)
    {
        using var length = torch.tensor(new long[] { mine.Length }, device: _device);
        AllReduce(length, ReduceOp.Max);
        int width = Math.Max(1, (int)length.cpu().item<long>());
        var padded = new byte[width];
        mine.CopyTo(padded, 0);
        using var lengths = torch.zeros(WorldSize, ScalarType.Int64, _device);
        using var send = torch.tensor(padded, device: _device);
        using var all = torch.zeros(width * WorldSize, ScalarType.Byte, _device);
        using (var own = torch.tensor(new long[] { mine.Length }, device: _device))
            _nccl.Check(_nccl.AllGather(Data(own), Data(lengths), 1, NcclNative.Int64, _comm, IntPtr.Zero), "ncclAllGather");
        _nccl.Check(_nccl.AllGather(Data(send), Data(all), (nuint)width, NcclNative.Uint8, _comm, IntPtr.Zero), "ncclAllGather");
        var sizes = lengths.cpu().data<long>().ToArray();
        var bytes = all.cpu().data<byte>().ToArray();
        return Enumerable.Range(0, WorldSize).Select(r => bytes.AsSpan(r * width, (int)sizes[r]).ToArray()).ToArray();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _nccl.CommDestroy(_comm);
        _bootstrap?.Dispose();
    }

    private void OnDevice(Tensor buffer, Action<Tensor> action)
    {
        if (!buffer.is_contiguous()) throw new ArgumentException("Collective buffers must be contiguous.", nameof(buffer));
        if (buffer.device == _device)
        {
            action(buffer);
            return;
        }
        using var staged = buffer.to(_device);
        action(staged);
        buffer.copy_(staged);
    }

    private static byte[] MakeId(NcclNative nccl)
    {
        NcclUniqueId id;
        nccl.Check(nccl.GetUniqueId(&id), "ncclGetUniqueId");
        return new Span<byte>(id.Bytes, NcclUniqueId.Size).ToArray();
    }

    private static NcclUniqueId ToId(byte[] bytes)
    {
        NcclUniqueId id;
        bytes.AsSpan(0, NcclUniqueId.Size).CopyTo(new Span<byte>(id.Bytes, NcclUniqueId.Size));
        return id;
    }

    private static int TypeOf(ScalarType type) => type switch
    {
        ScalarType.Float32 => NcclNative.Float32,
        ScalarType.Float64 => NcclNative.Float64,
        ScalarType.Float16 => NcclNative.Float16,
        ScalarType.BFloat16 => NcclNative.BFloat16,
        ScalarType.Int32 => NcclNative.Int32,
        ScalarType.Int64 => NcclNative.Int64,
        ScalarType.Byte => NcclNative.Uint8,
        _ => throw new NotSupportedException($"NCCL all-reduce of {type}."),
    };

    /// <summary>The tensor's device address (torch's data_ptr), from TorchSharp's own native library.</summary>
    private static IntPtr Data(Tensor t) => THSTensor_data(t.Handle);

#pragma warning disable SYSLIB1054 // one pointer-in, pointer-out call into the library TorchSharp already loaded
    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_data(IntPtr handle);
#pragma warning restore SYSLIB1054
}

using static TorchSharp.torch;

namespace T2I.Core.Distributed;

/// <summary>
/// The collective operations data-parallel training needs, behind one interface so that the training loop is the same
/// for one process, Open MPI ranks (CPU) and NCCL ranks (GPU). Every rank must call the same operations in the same
/// order with buffers of the same shape; tensor buffers must be contiguous and are updated in place.
/// </summary>
public interface ICollective : IDisposable
{
    /// <summary>This process's rank, 0 … <see cref="WorldSize"/> − 1.</summary>
    int Rank { get; }

    int WorldSize { get; }

    /// <summary>Rank within its machine (selects <c>cuda:LOCAL_RANK</c>).</summary>
    int LocalRank { get; }

    /// <summary>Human-readable backend, e.g. <c>mpi (Open MPI 4.1.4)</c>.</summary>
    string Backend { get; }

    /// <summary>Element-wise sum or mean over all ranks, written into <paramref name="buffer"/> on every rank.</summary>
    void AllReduce(Tensor buffer, ReduceOp op);

    /// <summary>Overwrites <paramref name="buffer"/> on every rank with rank <paramref name="root"/>'s values.</summary>
    void Broadcast(Tensor buffer, int root = 0);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();

    /// <summary>Every rank's bytes, in rank order (small control data: per-rank resume state, unique ids).</summary>
    byte[][] AllGather(byte[] mine);
}

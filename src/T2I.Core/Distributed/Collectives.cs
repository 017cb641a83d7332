namespace T2I.Core.Distributed;

/// <summary>Picks the backend for this process from its launcher and device.</summary>
public static class Collectives
{
    /// <summary>
    /// One process: <see cref="SingleProcessCollective"/>. Under mpirun: NCCL for CUDA devices when libnccl.so.2 loads
    /// (its unique id travels over MPI), else Open MPI. torchrun-style or indexed-Job ranks without mpirun: NCCL with a
    /// MASTER_ADDR/MASTER_PORT rendezvous (GPU only; CPU ranks across machines are started by mpirun).
    /// </summary>
    public static ICollective Create(RankEnvironment env, bool cuda, Action<string>? log = null)
    {
        if (env.WorldSize == 1 && !env.UnderMpirun) return SingleProcessCollective.Instance;
        if (env.UnderMpirun)
        {
            var mpi = MpiCollective.Create(env.LocalRank);
            if (!cuda) return mpi;
            if (NcclCollective.IsAvailable(out string? why)) return NcclCollective.OverMpi(mpi);
            log?.Invoke($"warning: {why} — gradients go through Open MPI via host memory.");
            return mpi;
        }
        if (!cuda) throw new InvalidOperationException($"{env.WorldSize} CPU ranks from {env.Launcher} variables: start CPU " +
            "ranks with mpirun (or `training launch --nproc N`); RANK/WORLD_SIZE without mpirun is for NCCL (GPU) ranks.");
        return NcclCollective.OverTcpRendezvous(env, MasterEndpoint.FromEnvironment());
    }
}

using System.Globalization;

namespace T2I.Core.Distributed;

/// <summary>
/// Which rank this process is, read from the launcher's environment: Open MPI's <c>mpirun</c>
/// (<c>OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK</c>), torchrun-style <c>RANK</c> / <c>WORLD_SIZE</c> / <c>LOCAL_RANK</c>,
/// or a Kubernetes indexed Job (<c>JOB_COMPLETION_INDEX</c> is the rank when <c>RANK</c> is unset; the Job sets
/// <c>WORLD_SIZE</c> to its completions). Nothing set: one process.
/// </summary>
public sealed record RankEnvironment(int Rank, int WorldSize, int LocalRank, string Launcher)
{
    public static readonly RankEnvironment Single = new(0, 1, 0, "none");

    /// <summary>Launched by mpirun: the MPI backend can join the job.</summary>
    public bool UnderMpirun => Launcher == "mpirun";

    public static RankEnvironment FromEnvironment() => From(Environment.GetEnvironmentVariable);

    public static RankEnvironment From(Func<string, string?> env)
    {
        if (Int(env, "OMPI_COMM_WORLD_SIZE") is { } mpiSize)
            return Checked(Int(env, "OMPI_COMM_WORLD_RANK") ?? 0, mpiSize, Int(env, "OMPI_COMM_WORLD_LOCAL_RANK") ?? 0, "mpirun");
        int? size = Int(env, "WORLD_SIZE");
        int? rank = Int(env, "RANK") ?? Int(env, "JOB_COMPLETION_INDEX");
        if (size is null)
        {
            if (rank is > 0) throw new ArgumentException($"Rank {rank} is set but WORLD_SIZE is not: set WORLD_SIZE to the number " +
                "of ranks (a Kubernetes indexed Job: its completions).");
            return Single;
        }
        string launcher = env("RANK") is null && env("JOB_COMPLETION_INDEX") is not null ? "k8s-indexed-job" : "torchrun";
        return Checked(rank ?? 0, size.Value, Int(env, "LOCAL_RANK") ?? 0, launcher);
    }

    private static RankEnvironment Checked(int rank, int size, int localRank, string launcher)
    {
        if (size < 1 || rank < 0 || rank >= size || localRank < 0)
            throw new ArgumentException($"Invalid rank {rank} of world size {size} (local rank {localRank}) from {launcher}.");
        return new RankEnvironment(rank, size, localRank, launcher);
    }

    private static int? Int(Func<string, string?> env, string name)
    {
        string? value = env(name);
        if (string.IsNullOrWhiteSpace(value)) return null;
        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new ArgumentException($"{name}='{value}' is not an integer.");
    }
}

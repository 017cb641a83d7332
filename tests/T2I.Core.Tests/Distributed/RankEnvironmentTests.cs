using T2I.Core.Distributed;

namespace T2I.Core.Tests.Distributed;

public class RankEnvironmentTests
{
    private static RankEnvironment From(params (string Key, string Value)[] vars)
        => RankEnvironment.From(k => vars.FirstOrDefault(v => v.Key == k).Value);

    [Fact]
    public void NothingSetIsOneProcess() => Assert.Equal(RankEnvironment.Single, From());

    [Fact]
    public void MpirunVariablesWinOverTorchrunOnes()
    {
        var env = From(("OMPI_COMM_WORLD_RANK", "3"), ("OMPI_COMM_WORLD_SIZE", "4"), ("OMPI_COMM_WORLD_LOCAL_RANK", "1"),
            ("RANK", "0"), ("WORLD_SIZE", "8"));
        Assert.Equal(new RankEnvironment(3, 4, 1, "mpirun"), env);
        Assert.True(env.UnderMpirun);
    }

    [Fact]
    public void TorchrunVariables()
        => Assert.Equal(new RankEnvironment(5, 8, 1, "torchrun"), From(("RANK", "5"), ("WORLD_SIZE", "8"), ("LOCAL_RANK", "1")));

    [Fact]
    public void AnIndexedJobsCompletionIndexIsTheRank()
        => Assert.Equal(new RankEnvironment(2, 4, 0, "k8s-indexed-job"), From(("JOB_COMPLETION_INDEX", "2"), ("WORLD_SIZE", "4")));

    [Fact]
    public void ARankWithoutAWorldSizeOrOutOfRangeIsRefused()
    {
        Assert.Contains("WORLD_SIZE", Assert.Throws<ArgumentException>(() => From(("JOB_COMPLETION_INDEX", "1"))).Message);
        Assert.Throws<ArgumentException>(() => From(("RANK", "4"), ("WORLD_SIZE", "4")));
        Assert.Throws<ArgumentException>(() => From(("RANK", "x"), ("WORLD_SIZE", "4")));
    }
}

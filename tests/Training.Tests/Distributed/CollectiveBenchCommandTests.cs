namespace T2I.Training.Tests.Distributed;

public class CollectiveBenchCommandTests
{
    [Fact]
    public void TwoMpiRanksPassEveryCollectiveCheckAndReportEachSize()
    {
        using var run = new MpiRun("collective-bench", "--nproc", "2", "--sizes", "4KiB,1MiB", "--seconds", "0.05");
        var (code, stdout, stderr) = run.Wait(TimeSpan.FromMinutes(1));
        Assert.True(code == 0, stderr);
        Assert.Contains("mpi (Open MPI v4", stdout);
        Assert.Contains("2 rank(s): broadcast, all-gather and all-reduce sum/mean/max verified", stdout);
        Assert.Contains("       4,096 ", stdout);
        Assert.Contains("   1,048,576 ", stdout);
    }
}

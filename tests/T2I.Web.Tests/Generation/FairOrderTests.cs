using T2I.Web.Generation;

namespace T2I.Web.Tests.Generation;

public class FairOrderTests
{
    private static HeldJob Job(string user, long order, bool priority = false) => new(order, priority, user, 50, $"j{order}", $"g{order}");

    [Fact]
    public void UsersTakeTurnsEachInSubmitOrderAndPriorityGoesFirst()
    {
        var held = new[]
        {
            Job("a", 1), Job("a", 2), Job("a", 3), Job("a", 4), Job("b", 10), Job("c", 11), Job("c", 12), Job("admin", 20, priority: true),
        };
        var order = FairOrder.Of(held, new Dictionary<string, long>()).Select(j => j.JobId);
        Assert.Equal(["j20", "j1", "j10", "j11", "j2", "j12", "j3", "j4"], order);
    }

    [Fact]
    public void TheUserServedLongestAgoGoesNext()
    {
        var held = new[] { Job("a", 1), Job("a", 2), Job("b", 3) };
        // a was served just now, b a while ago: b first although a's job is older.
        var order = FairOrder.Of(held, new Dictionary<string, long> { ["a"] = 9, ["b"] = 4 }).Select(j => j.JobId);
        Assert.Equal(["j3", "j1", "j2"], order);
    }

    [Fact]
    public void EntriesRoundTripThroughTheirSetMemberAndForeignMembersAreSkipped()
    {
        var job = new HeldJob(638_000_000_000_000_000, true, HeldJob.SafeUser("key:a|b"), 200, "17", "0123456789abcdef0123456789abcdef");
        Assert.Equal(job, HeldJob.Parse(job.Format()));
        Assert.Equal("key:a_b", job.User);
        Assert.Null(HeldJob.Parse("not|ours"));
    }
}

using T2I.Web.Admin;

namespace T2I.Web.Tests.Admin;

public class LoginThrottleTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 2, 5, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task TheLockLiftsAfterItsTimeAndTheRightPasswordWorksAgain()
    {
        var clock = new ManualClock();
        var throttle = new LoginThrottle(clock);
        for (int i = 0; i < LoginThrottle.MaxFailures; i++) Assert.Equal(LoginOutcome.Wrong, await throttle.TryAsync(() => false));

        Assert.Equal(LoginOutcome.LockedOut, await throttle.TryAsync(() => true));
        clock.Now += LoginThrottle.LockFor - TimeSpan.FromSeconds(1);
        Assert.Equal(LoginOutcome.LockedOut, await throttle.TryAsync(() => true));
        clock.Now += TimeSpan.FromSeconds(2);
        Assert.Equal(LoginOutcome.Accepted, await throttle.TryAsync(() => true));
    }

    [Fact]
    public async Task PasswordChecksRunOneAtATimeAndAFloodBeyondTheWaitingRoomIsRefusedAtOnce()
    {
        var throttle = new LoginThrottle(new ManualClock());
        using var release = new ManualResetEventSlim();
        int running = 0, most = 0;
        bool Check()
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            release.Wait(TimeSpan.FromSeconds(30));
            Interlocked.Decrement(ref running);
            return false;
        }

        var admitted = Enumerable.Range(0, LoginThrottle.MaxWaiting).Select(_ => throttle.TryAsync(Check)).ToList();
        var refused = await throttle.TryAsync(() => true);
        release.Set();
        var outcomes = await Task.WhenAll(admitted);

        Assert.Equal(LoginOutcome.Busy, refused);
        Assert.All(outcomes, o => Assert.Equal(LoginOutcome.Wrong, o));
        Assert.Equal(1, most);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (int seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }
}

namespace T2I.Web.Admin;

public enum LoginOutcome { Accepted, Wrong, LockedOut, Busy }

/// <summary>
/// Guards the admin login. Lockout: <see cref="MaxFailures"/> wrong logins in a row (from anywhere: there is
/// one account) lock it for <see cref="LockFor"/>, the right password included — this lets a guesser lock the
/// admin out for that while, the price of not letting it keep guessing. Hashing: a password check costs
/// ~0.1 s of a core (PBKDF2), so checks run one at a time and at most <see cref="MaxWaiting"/> wait; more are
/// refused at once. A login flood thus takes at most one core and never the request threads of other users.
/// </summary>
public sealed class LoginThrottle(TimeProvider clock)
{
    public const int MaxFailures = 20, MaxWaiting = 4;
    public static readonly TimeSpan LockFor = TimeSpan.FromMinutes(15);

    private readonly SemaphoreSlim _hashing = new(1, 1);
    private readonly Lock _lock = new();
    private int _waiting, _failures;
    private DateTimeOffset _lockedUntil = DateTimeOffset.MinValue;

    /// <summary>How long the account stays locked; null when it is not.</summary>
    public TimeSpan? LockedFor()
    {
        lock (_lock)
        {
            var left = _lockedUntil - clock.GetUtcNow();
            return left > TimeSpan.Zero ? left : null;
        }
    }

    /// <param name="verify">The password check (CPU-heavy); it runs on a thread-pool thread, one at a time.</param>
    public async Task<LoginOutcome> TryAsync(Func<bool> verify, CancellationToken ct = default)
    {
        if (LockedFor() is not null) return LoginOutcome.LockedOut;
        if (Interlocked.Increment(ref _waiting) > MaxWaiting)
        {
            Interlocked.Decrement(ref _waiting);
            return LoginOutcome.Busy;
        }
        bool ok;
        try
        {
            await _hashing.WaitAsync(ct);
            try { ok = await Task.Run(verify, ct); }
            finally { _hashing.Release(); }
        }
        finally { Interlocked.Decrement(ref _waiting); }
        return Record(ok);
    }

    private LoginOutcome Record(bool ok)
    {
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            if (_lockedUntil > now) return LoginOutcome.LockedOut; // locked while this check waited
            if (ok)
            {
                _failures = 0;
                return LoginOutcome.Accepted;
            }
            if (++_failures < MaxFailures) return LoginOutcome.Wrong;
            _failures = 0;
            _lockedUntil = now + LockFor;
            return LoginOutcome.Wrong;
        }
    }
}

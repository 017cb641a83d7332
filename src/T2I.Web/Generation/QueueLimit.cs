using Microsoft.Extensions.Options;

namespace T2I.Web.Generation;

/// <summary>
/// Caps on generations waiting in the queue: over all users and processes (<c>T2I:Queue:MaxWaiting</c>, default 1000;
/// answered 503, the service is full) and per user (<c>T2I:Queue:MaxWaitingPerUser</c>, default 100; answered 429, this
/// user should wait). Counted from Hangfire's queue and held set, the authority. The per-address rate limit bounds how
/// fast one client submits; these bound how much any client — or a flood from many — can pile up ahead of others.
/// </summary>
public sealed class QueueLimit(QueuePositions positions, IOptions<QueueLimitOptions> options)
{
    public const string FullMessage = "The queue is full; try again in a little while.";
    public const string UserFullMessage = "You have {0} generations waiting, the most one user may queue; wait for some to start.";
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    public bool IsFull() => positions.Waiting() >= options.Value.MaxWaiting;

    /// <summary>The message for a user who may queue no more right now; null when they may.</summary>
    public string? UserRefusal(string user) => positions.WaitingOf(user) >= options.Value.MaxWaitingPerUser
        ? string.Format(System.Globalization.CultureInfo.InvariantCulture, UserFullMessage, options.Value.MaxWaitingPerUser)
        : null;
}

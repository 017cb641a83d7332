using Microsoft.Extensions.Options;

namespace T2I.Web.Generation;

/// <summary>
/// A cap on generations waiting in the queue (<c>T2I:Queue:MaxWaiting</c>, default 1000), over all clients and
/// processes (counted from Hangfire's queue, the authority; at most <see cref="QueuePositions.MaxCounted"/>).
/// The per-address rate limit bounds one client; this bounds many, so a flood from many addresses cannot grow
/// the queue (and the wait of everyone in it) without end.
/// Fair shares between clients are the next issue's.
/// </summary>
public sealed class QueueLimit(QueuePositions positions, IOptions<QueueLimitOptions> options)
{
    public const string FullMessage = "The queue is full; try again in a little while.";
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    public bool IsFull() => positions.Waiting() >= options.Value.MaxWaiting;
}

using System.Globalization;
using Hangfire;
using Hangfire.States;
using Hangfire.Storage;

namespace T2I.Web.Generation;

/// <summary>
/// Moves held generation jobs into Hangfire's FIFO generation queue in <see cref="FairOrder"/>, keeping only as many there
/// as the generation servers have workers: the queue's order is then decided here, between users, while Hangfire still
/// does the rest (durability, one worker per job, retries of interrupted jobs). A pass runs after every submit and every
/// finished job and once a second; passes of all processes take turns under one distributed lock, and each move is
/// Hangfire's own state change from Held, so a job is never moved twice.
/// </summary>
public sealed class FairDispatcher(JobStorage storage, IBackgroundJobClient jobs, ILogger<FairDispatcher> log)
{
    public const string LastServedKey = "t2i:generation:last-served";
    private const string LockName = "t2i:generation:dispatch";

    /// <summary>Held jobs in the order they will be dispatched.</summary>
    public IReadOnlyList<HeldJob> Order()
    {
        using var connection = storage.GetConnection();
        return FairOrder.Of(Held(connection), LastServed(connection)).ToList();
    }

    /// <summary>Held jobs, parsed (members this version cannot read are skipped).</summary>
    private static List<HeldJob> Held(IStorageConnection connection) =>
        connection.GetAllItemsFromSet(HeldState.SetKey).Select(HeldJob.Parse).OfType<HeldJob>().ToList();

    /// <summary>Generation workers of the live servers (at least 1: a queue with no server yet still takes one job).</summary>
    public int Capacity() => Math.Max(1, storage.GetMonitoringApi().Servers()
        .Where(s => s.Queues.Contains(GenerationJob.Queue)).Sum(s => s.WorkersCount));

    /// <summary>One pass; returns how many jobs it moved. Skipped (0) while another process's pass holds the lock.</summary>
    public int Dispatch()
    {
        using var connection = storage.GetConnection();
        IDisposable held;
        try { held = connection.AcquireDistributedLock(LockName, TimeSpan.FromMilliseconds(100)); }
        catch (DistributedLockTimeoutException) { return 0; } // another pass is at it; it sees what we would
        using (held)
        {
            var waiting = Held(connection);
            if (waiting.Count == 0) return 0;
            int free = Capacity() - EnqueuedCount();
            if (free <= 0) return 0;
            var lastServed = LastServed(connection);
            long sequence = lastServed.Count == 0 ? 0 : lastServed.Values.Max();
            int moved = 0;
            foreach (var job in FairOrder.Of(waiting, lastServed))
            {
                if (moved == free) break;
                // From Held only: a job cancelled meanwhile stays cancelled.
                if (!jobs.ChangeState(job.JobId, new EnqueuedState(GenerationJob.Queue), HeldState.StateName)) continue;
                using var write = connection.CreateWriteTransaction();
                write.SetRangeInHash(LastServedKey, [new(job.User, (++sequence).ToString(CultureInfo.InvariantCulture))]);
                write.Commit();
                moved++;
            }
            if (moved > 0) log.LogDebug("Dispatched {Moved} of {Held} held generations", moved, waiting.Count);
            return moved;
        }
    }

    /// <summary>Generation jobs in Hangfire's queue not yet taken by a worker (cancelled ones excluded).</summary>
    private int EnqueuedCount() => storage.GetMonitoringApi().EnqueuedJobs(GenerationJob.Queue, 0, QueuePositions.MaxCounted)
        .Count(kv => QueuePositions.IsWaiting(kv.Value));

    private static Dictionary<string, long> LastServed(IStorageConnection connection) =>
        (connection.GetAllEntriesFromHash(LastServedKey) ?? new Dictionary<string, string>())
        .Where(kv => long.TryParse(kv.Value, CultureInfo.InvariantCulture, out _))
        .ToDictionary(kv => kv.Key, kv => long.Parse(kv.Value, CultureInfo.InvariantCulture));
}

/// <summary>Runs a dispatch pass every second in processes that run generation jobs (a safety net beside the passes
/// that submits and finished jobs start).</summary>
public sealed class FairDispatchLoop(FairDispatcher dispatcher, ILogger<FairDispatchLoop> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try { dispatcher.Dispatch(); }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogWarning("Dispatching held generations failed: {Error}", ex.Message);
            }
        }
    }
}

namespace T2I.Web.Generation;

/// <summary>
/// The order in which held jobs are served: jobs with priority first (oldest first); then round-robin between users —
/// the user served longest ago (or never) goes next, and each user's own jobs run in the order they were submitted.
/// A user with 50 queued jobs therefore delays a newcomer's first job by at most one job per other waiting user.
/// </summary>
public static class FairOrder
{
    /// <param name="lastServed">When each user's job last left the held set (any increasing number); absent: never.</param>
    public static IEnumerable<HeldJob> Of(IEnumerable<HeldJob> held, IReadOnlyDictionary<string, long> lastServed)
    {
        var all = held.ToList();
        foreach (var job in all.Where(j => j.Priority).OrderBy(j => j.Order)) yield return job;
        var queues = all.Where(j => !j.Priority).GroupBy(j => j.User)
            .ToDictionary(g => g.Key, g => new Queue<HeldJob>(g.OrderBy(j => j.Order)));
        // A user's turn: (last served, their oldest job) — ties between never-served users go to who submitted first.
        var turns = new PriorityQueue<string, (long Served, long Oldest)>();
        foreach (var (user, jobs) in queues) turns.Enqueue(user, (lastServed.GetValueOrDefault(user, long.MinValue), jobs.Peek().Order));
        long round = lastServed.Count == 0 ? 0 : Math.Max(0, lastServed.Values.Max());
        while (turns.TryDequeue(out string? user, out _))
        {
            var jobs = queues[user];
            yield return jobs.Dequeue();
            if (jobs.Count > 0) turns.Enqueue(user, (++round, jobs.Peek().Order));
        }
    }
}

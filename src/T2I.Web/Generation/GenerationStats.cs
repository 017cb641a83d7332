using System.Globalization;
using Hangfire;
using Hangfire.Storage;

namespace T2I.Web.Generation;

/// <summary>What one user (cookie client or API key) has submitted and been drawn, for quotas and the admin page.</summary>
public sealed record UserUsage(string User, long Submitted, long ImagesSubmitted, long ImagesDrawn, DateTimeOffset? LastSubmitted)
{
    public string Format() => string.Join('|', Submitted, ImagesSubmitted, ImagesDrawn, LastSubmitted?.UtcTicks ?? 0);

    public static UserUsage Parse(string user, string? value)
    {
        var p = (value ?? "").Split('|');
        long At(int i) => p.Length > i && long.TryParse(p[i], CultureInfo.InvariantCulture, out long v) ? v : 0;
        return new UserUsage(user, At(0), At(1), At(2), At(3) > 0 ? new DateTimeOffset(At(3), TimeSpan.Zero) : null);
    }
}

/// <summary>
/// Per-user usage and the sizes of the batched sampling runs, in the Hangfire storage (so every replica and worker
/// counts into one place). Counts change under a distributed lock: Hangfire hashes have no atomic increment.
/// </summary>
public sealed class GenerationStats(JobStorage storage, TimeProvider clock)
{
    public const string UsersKey = "t2i:generation:users";
    public const string BatchesKey = "t2i:generation:batch-sizes";
    private const string LockName = "t2i:generation:stats";

    public void Submitted(string user, int images) => Change(UsersKey, user, old =>
    {
        var u = UserUsage.Parse(user, old);
        return (u with { Submitted = u.Submitted + 1, ImagesSubmitted = u.ImagesSubmitted + images, LastSubmitted = clock.GetUtcNow() })
            .Format();
    });

    public void Drawn(string user, int images) => Change(UsersKey, user, old =>
    {
        var u = UserUsage.Parse(user, old);
        return (u with { ImagesDrawn = u.ImagesDrawn + images }).Format();
    });

    public void BatchRun(int images) => Change(BatchesKey, images.ToString(CultureInfo.InvariantCulture), old =>
        ((long.TryParse(old, CultureInfo.InvariantCulture, out long n) ? n : 0) + 1).ToString(CultureInfo.InvariantCulture));

    public UserUsage Usage(string user) => UserUsage.Parse(user, Entries(UsersKey).GetValueOrDefault(user));

    public IReadOnlyList<UserUsage> Users() => Entries(UsersKey).Select(kv => UserUsage.Parse(kv.Key, kv.Value))
        .OrderByDescending(u => u.LastSubmitted).ToList();

    /// <summary>How many sampling runs drew each number of images.</summary>
    public IReadOnlyDictionary<int, long> BatchSizes() => new SortedDictionary<int, long>(Entries(BatchesKey)
        .Where(kv => int.TryParse(kv.Key, CultureInfo.InvariantCulture, out _))
        .ToDictionary(kv => int.Parse(kv.Key, CultureInfo.InvariantCulture),
            kv => long.TryParse(kv.Value, CultureInfo.InvariantCulture, out long n) ? n : 0));

    private Dictionary<string, string> Entries(string key)
    {
        using var connection = storage.GetConnection();
        return connection.GetAllEntriesFromHash(key) ?? new Dictionary<string, string>();
    }

    private void Change(string key, string field, Func<string?, string> next)
    {
        using var connection = storage.GetConnection();
        using var held = connection.AcquireDistributedLock(LockName, TimeSpan.FromSeconds(10));
        string? old = (connection.GetAllEntriesFromHash(key) ?? new Dictionary<string, string>()).GetValueOrDefault(field);
        using var write = connection.CreateWriteTransaction();
        write.SetRangeInHash(key, [new(field, next(old))]);
        write.Commit();
    }
}

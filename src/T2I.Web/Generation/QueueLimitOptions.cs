using T2I.Web.Settings;

namespace T2I.Web.Generation;

/// <summary>Configuration of <see cref="QueueLimit"/>: <c>T2I:Queue:MaxWaiting</c> and <c>T2I:Queue:MaxWaitingPerUser</c>.</summary>
public sealed record QueueLimitOptions : ISettings
{
    public const string Section = "T2I:Queue";

    public int MaxWaiting { get; init; } = 1000;
    public int MaxWaitingPerUser { get; init; } = 100;

    public IEnumerable<string> Problems()
    {
        if (MaxWaiting < 1) yield return $"{Section}:MaxWaiting must be a whole number of at least 1 (got '{MaxWaiting}').";
        if (MaxWaiting > QueuePositions.MaxCounted) yield return $"{Section}:MaxWaiting can be at most {QueuePositions.MaxCounted}.";
        if (MaxWaitingPerUser < 1)
            yield return $"{Section}:MaxWaitingPerUser must be a whole number of at least 1 (got '{MaxWaitingPerUser}').";
    }
}

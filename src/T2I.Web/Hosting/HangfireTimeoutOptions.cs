using T2I.Web.Settings;

namespace T2I.Web.Hosting;

/// <summary>
/// <c>T2I:Hangfire:*</c>: how long a dead worker's job stays invisible, how long its lock blocks others, and how often
/// servers report alive (defaults and reasons: <see cref="HangfireSetup"/>).
/// </summary>
public sealed record HangfireTimeoutOptions : ISettings
{
    public const string Section = "T2I:Hangfire";

    public TimeSpan InvisibilityTimeout { get; init; } = HangfireSetup.DefaultInvisibilityTimeout;
    public TimeSpan DistributedLockTimeout { get; init; } = HangfireSetup.DefaultDistributedLockTimeout;
    public TimeSpan HeartbeatInterval { get; init; } = HangfireSetup.DefaultHeartbeatInterval;

    public IEnumerable<string> Problems()
    {
        var fiveSeconds = TimeSpan.FromSeconds(5);
        if (InvisibilityTimeout < fiveSeconds)
            yield return $"{Section}:InvisibilityTimeout must be at least 5 seconds (got {SettingsBinding.Text(InvisibilityTimeout)}).";
        if (DistributedLockTimeout < fiveSeconds)
            yield return $"{Section}:DistributedLockTimeout must be at least 5 seconds " +
                $"(got {SettingsBinding.Text(DistributedLockTimeout)}).";
        if (HeartbeatInterval < TimeSpan.FromSeconds(1))
            yield return $"{Section}:HeartbeatInterval must be at least 1 second (got {SettingsBinding.Text(HeartbeatInterval)}).";
    }
}

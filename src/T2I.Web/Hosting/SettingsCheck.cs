using System.Globalization;
using System.Text.RegularExpressions;

namespace T2I.Web.Hosting;

/// <summary>A setting that cannot work; the message is one line per problem, naming the setting.</summary>
public sealed class InvalidSettingsException(string message) : Exception(message);

/// <summary>
/// Checks the <c>T2I:*</c> settings at start-up that otherwise failed late or loudly: a bad
/// <c>T2I:Ingestion:Cron</c> stopped the host with a stack trace, <c>T2I:Ingestion:Resolutions=abc</c> failed only
/// when the job ran, without naming the setting. Settings checked where they are read (roles, model) stay there.
/// </summary>
public static partial class SettingsCheck
{
    public static void Validate(IConfiguration config)
    {
        var problems = new List<string>();
        if (config["T2I:Ingestion:Cron"] is { Length: > 0 } cron && !CronShape().IsMatch(cron.Trim()))
            problems.Add($"T2I:Ingestion:Cron must be a cron expression such as '0 * * * *' (got '{Cut(cron)}').");
        if (config["T2I:Ingestion:Resolutions"] is { Length: > 0 } resolutions
            && Ingestion.ConfiguredShardIngestion.ParseResolutions(resolutions) is null)
            problems.Add("T2I:Ingestion:Resolutions must be positive whole numbers separated by commas, such as '256,512' " +
                         $"(got '{Cut(resolutions)}').");
        foreach (string key in (string[])["T2I:Workers", "T2I:RateLimit:Burst", "T2I:RateLimit:SubmitsPerMinute", "T2I:Queue:MaxWaiting"])
            if (config[key] is { } text && !(int.TryParse(text, CultureInfo.InvariantCulture, out int n) && n >= 1))
                problems.Add($"{key} must be a whole number of at least 1 (got '{Cut(text)}').");
        foreach (string key in (string[])
                 ["T2I:Hangfire:InvisibilityTimeout", "T2I:Hangfire:DistributedLockTimeout", "T2I:Hangfire:HeartbeatInterval"])
            if (config[key] is { } text && !TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out _))
                problems.Add($"{key} must be a duration such as 00:05:00 (got '{Cut(text)}').");
        if (config.GetValue("T2I:Queue:MaxWaiting", 0) > Generation.QueuePositions.MaxCounted)
            problems.Add($"T2I:Queue:MaxWaiting can be at most {Generation.QueuePositions.MaxCounted}.");
        if (problems.Count > 0) throw new InvalidSettingsException(string.Join(Environment.NewLine, problems));
    }

    private static string Cut(string text) => text.Length > 40 ? text[..40] + "…" : text;

    /// <summary>5 or 6 fields of cron characters (what Hangfire's parser accepts), or a macro such as @daily.</summary>
    [GeneratedRegex(@"^(@[a-z]+|[0-9A-Za-z*/,\-?LW#]+(\s+[0-9A-Za-z*/,\-?LW#]+){4,5})$")]
    private static partial Regex CronShape();
}

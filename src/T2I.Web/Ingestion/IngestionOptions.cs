using System.Globalization;
using System.Text.RegularExpressions;
using T2I.Web.Settings;

namespace T2I.Web.Ingestion;

/// <summary>
/// <c>T2I:Ingestion:*</c>: scheduled shard ingestion from <see cref="Input"/> to <see cref="Output"/> (local paths or
/// s3://bucket/prefix) at <see cref="Resolutions"/> (e.g. "256,512"), with an optional filters.json (<see cref="Config"/>),
/// on <see cref="Cron"/>. Off unless input and output are set.
/// </summary>
public sealed partial record IngestionOptions : ISettings
{
    public const string Section = "T2I:Ingestion";

    public string? Input { get; init; }
    public string? Output { get; init; }
    public string Resolutions { get; init; } = "256";
    public string? Config { get; init; }
    public string? Cron { get; init; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Input) && !string.IsNullOrWhiteSpace(Output);

    /// <summary>The resolutions; checked at start-up (<see cref="Problems"/>).</summary>
    public int[] ResolutionList() => ParseResolutions(Resolutions)
        ?? throw new InvalidSettingsException($"{Section}:Resolutions must be positive whole numbers separated by commas.");

    public IEnumerable<string> Problems()
    {
        // A bad cron stopped the host with a stack trace, bad resolutions failed only when the job ran.
        if (Cron is { Length: > 0 } cron && !CronShape().IsMatch(cron.Trim()))
            yield return $"{Section}:Cron must be a cron expression such as '0 * * * *' (got '{SettingsBinding.Cut(cron)}').";
        if (ParseResolutions(Resolutions) is null)
            yield return $"{Section}:Resolutions must be positive whole numbers separated by commas, such as '256,512' " +
                $"(got '{SettingsBinding.Cut(Resolutions)}').";
    }

    /// <summary>The resolutions of a list like "256, 512"; null when any is not a positive number.</summary>
    public static int[]? ParseResolutions(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = parts.Select(p => int.TryParse(p, CultureInfo.InvariantCulture, out int r) && r > 0 ? r : 0).ToArray();
        return values.Length > 0 && values.All(r => r > 0) ? values : null;
    }

    /// <summary>5 or 6 fields of cron characters (what Hangfire's parser accepts), or a macro such as @daily.</summary>
    [GeneratedRegex(@"^(@[a-z]+|[0-9A-Za-z*/,\-?LW#]+(\s+[0-9A-Za-z*/,\-?LW#]+){4,5})$")]
    private static partial Regex CronShape();
}

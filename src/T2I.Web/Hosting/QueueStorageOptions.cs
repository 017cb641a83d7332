using T2I.Web.Settings;

namespace T2I.Web.Hosting;

/// <summary>Where Hangfire keeps its jobs (see <see cref="HangfireSetup"/>).</summary>
public enum QueueStorageKind { Sqlite, Memory, Postgres }

/// <summary>
/// <c>T2I:Queue:Storage</c>: <c>sqlite</c> (one file, <c>T2I:Queue:File</c>, by default <c>hangfire.sqlite</c> in the
/// <c>T2I:Images</c> folder), <c>memory</c> (jobs die with the process; records are re-queued at start-up) or
/// <c>postgres</c> (<c>ConnectionStrings:Hangfire</c>). Empty: <c>postgres</c> when that connection string is set,
/// else <c>sqlite</c>.
/// </summary>
public sealed record QueueStorageOptions : ISettings
{
    public const string Section = "T2I:Queue";
    public const string DefaultFileName = "hangfire.sqlite";

    public string? Storage { get; init; }
    public string? File { get; init; }

    public IEnumerable<string> Problems()
    {
        if (!string.IsNullOrWhiteSpace(Storage) && ParsedOrNull() is null)
            yield return $"{Section}:Storage must be 'sqlite', 'memory' or 'postgres' (got '{SettingsBinding.Cut(Storage)}').";
    }

    /// <summary>The storage <paramref name="config"/> asks for, read before any service exists (it decides which are made).</summary>
    public static QueueStorageKind KindOf(IConfiguration config) =>
        SettingsBinding.Read<QueueStorageOptions>(config, Section).Resolve(config.GetConnectionString("Hangfire"));

    /// <summary>The storage to use, given the PostgreSQL connection string; inconsistent settings name the one to fix.</summary>
    public QueueStorageKind Resolve(string? postgres)
    {
        var kind = ParsedOrNull() ?? (string.IsNullOrWhiteSpace(Storage)
            ? string.IsNullOrWhiteSpace(postgres) ? QueueStorageKind.Sqlite : QueueStorageKind.Postgres
            : throw new InvalidSettingsException(Problems().First()));
        if (kind == QueueStorageKind.Postgres && string.IsNullOrWhiteSpace(postgres))
            throw new InvalidSettingsException($"{Section}:Storage=postgres needs ConnectionStrings:Hangfire.");
        return kind;
    }

    /// <summary>The SQLite file: <see cref="File"/>, or one beside the images when they are on local disk.</summary>
    public string SqliteFile(string imageLocation)
    {
        if (!string.IsNullOrWhiteSpace(File)) return Path.GetFullPath(File);
        if (imageLocation.Contains("://", StringComparison.Ordinal))
            throw new InvalidSettingsException($"{Section}:Storage=sqlite needs a local file when T2I:Images is not a folder: " +
                $"set {Section}:File, or {Section}:Storage=postgres.");
        return Path.Combine(Path.GetFullPath(imageLocation), DefaultFileName);
    }

    private QueueStorageKind? ParsedOrNull() => Storage?.Trim().ToLowerInvariant() switch
    {
        "sqlite" => QueueStorageKind.Sqlite,
        "memory" => QueueStorageKind.Memory,
        "postgres" or "postgresql" => QueueStorageKind.Postgres,
        _ => null,
    };
}

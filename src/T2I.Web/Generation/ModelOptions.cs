using T2I.Web.Settings;

namespace T2I.Web.Generation;

/// <summary>
/// <c>T2I:Model</c> (a checkpoint or run folder, or <c>untrained[:RESOLUTION]</c>; empty: the shipped demo model),
/// <c>T2I:Device</c> (auto, cpu, cuda, cuda:N) and <c>T2I:Threads</c> (torch CPU threads; unset: torch's default).
/// </summary>
public sealed record ModelOptions : ISettings
{
    public const string Section = "T2I";

    public string? Model { get; init; }
    public string Device { get; init; } = "auto";
    public int? Threads { get; init; }

    public IEnumerable<string> Problems()
    {
        if (Threads is < 1) yield return $"{Section}:Threads must be a whole number of at least 1 (got '{Threads}').";
    }
}

using T2I.Web.Settings;

namespace T2I.Web.Hosting;

/// <summary><c>T2I:Workers</c>: generation workers in this process (one model per device, so 1 by default).</summary>
public sealed record WorkerOptions : ISettings
{
    public const string Section = "T2I";

    public int Workers { get; init; } = 1;

    public IEnumerable<string> Problems()
    {
        if (Workers < 1) yield return $"{Section}:Workers must be a whole number of at least 1 (got '{Workers}').";
    }
}

using System.Globalization;

namespace T2I.Training.Loop;

/// <summary>Sizes as people write them: <c>80GiB</c>, <c>512 MiB</c>, <c>40GB</c> (binary for KiB…TiB, decimal for KB…TB).</summary>
public static class ByteSize
{
    private static readonly (string Unit, double Factor)[] Units =
    [
        ("TiB", Math.Pow(1024, 4)), ("GiB", Math.Pow(1024, 3)), ("MiB", 1024 * 1024), ("KiB", 1024),
        ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1),
    ];

    public static long Parse(string text)
    {
        string s = text.Trim();
        foreach (var (unit, factor) in Units)
            if (s.EndsWith(unit, StringComparison.OrdinalIgnoreCase) && double.TryParse(s[..^unit.Length].Trim(),
                NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value > 0 && double.IsFinite(value))
                return (long)(value * factor);
        throw new ArgumentException($"'{text}' is not a size (write e.g. 80GiB, 512MiB or 40GB).");
    }
}

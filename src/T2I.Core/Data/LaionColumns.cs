using System.Globalization;
using System.Text.Json;

namespace T2I.Core.Data;

/// <summary>
/// The one place that knows how LAION releases and img2dataset name their metadata columns.
/// <list type="table">
/// <item><term>key</term><description><c>key</c>, <c>SAMPLE_ID</c> (LAION-400M), <c>sample_id</c></description></item>
/// <item><term>url</term><description><c>URL</c> (LAION-5B/400M), <c>url</c> (img2dataset json/parquet)</description></item>
/// <item><term>caption</term><description><c>TEXT</c> (LAION), <c>caption</c> (img2dataset), <c>text</c></description></item>
/// <item><term>width/height</term><description><c>WIDTH</c>/<c>HEIGHT</c> (LAION; int in 5B, float in some subsets),
/// <c>width</c>/<c>height</c></description></item>
/// <item><term>original size</term><description><c>original_width</c>/<c>original_height</c> (img2dataset)</description></item>
/// <item><term>punsafe</term><description><c>punsafe</c>, <c>pUnsafe</c>, <c>PUNSAFE</c></description></item>
/// <item><term>pwatermark</term><description><c>pwatermark</c>, <c>pWatermark</c>, <c>PWATERMARK</c></description></item>
/// <item><term>aesthetic</term><description><c>aesthetic</c>, <c>AESTHETIC_SCORE</c>, <c>aesthetic_score</c>,
/// <c>prediction</c> (aesthetic predictor output)</description></item>
/// <item><term>similarity</term><description><c>similarity</c>, <c>SIMILARITY</c> (CLIP image–text cosine)</description></item>
/// <item><term>hash</term><description><c>hash</c>, <c>HASH</c></description></item>
/// <item><term>NSFW label</term><description><c>NSFW</c> — LAION-400M's string column
/// (<c>UNLIKELY</c>/<c>UNSURE</c>/<c>NSFW</c>)</description></item>
/// <item><term>status</term><description><c>status</c> (img2dataset)</description></item>
/// </list>
/// Names match case-insensitively. Numbers may arrive as int, long, float, double, decimal or numeric strings;
/// nulls, NaN and unparsable values become "missing", never an exception.
/// </summary>
public static class LaionColumns
{
    private static readonly string[] KeyNames = ["key", "SAMPLE_ID", "sample_id"];
    private static readonly string[] UrlNames = ["url", "URL"];
    private static readonly string[] CaptionNames = ["caption", "TEXT", "text"];
    private static readonly string[] WidthNames = ["width", "WIDTH"];
    private static readonly string[] HeightNames = ["height", "HEIGHT"];
    private static readonly string[] PUnsafeNames = ["punsafe"];
    private static readonly string[] PWatermarkNames = ["pwatermark"];
    private static readonly string[] AestheticNames = ["aesthetic", "AESTHETIC_SCORE", "aesthetic_score", "prediction"];
    private static readonly string[] SimilarityNames = ["similarity"];
    private static readonly string[] HashNames = ["hash"];
    private static readonly string[] NsfwNames = ["NSFW"];
    private static readonly string[] StatusNames = ["status"];

    /// <summary>Maps one row (column name → value as read from Parquet or JSON) to a canonical record.</summary>
    public static LaionRecord Map(IReadOnlyDictionary<string, object?> row)
    {
        var byName = new Dictionary<string, object?>(row, StringComparer.OrdinalIgnoreCase);
        object? Get(string[] names)
        {
            foreach (var n in names)
                if (byName.TryGetValue(n, out var v) && v is not null) return v;
            return null;
        }
        return new LaionRecord
        {
            Key = AsString(Get(KeyNames)),
            Url = AsString(Get(UrlNames)),
            Caption = AsString(Get(CaptionNames)),
            Width = AsInt(Get(WidthNames)),
            Height = AsInt(Get(HeightNames)),
            OriginalWidth = AsInt(Get(["original_width"])),
            OriginalHeight = AsInt(Get(["original_height"])),
            PUnsafe = AsDouble(Get(PUnsafeNames)),
            PWatermark = AsDouble(Get(PWatermarkNames)),
            Aesthetic = AsDouble(Get(AestheticNames)),
            Similarity = AsDouble(Get(SimilarityNames)),
            Hash = AsString(Get(HashNames)),
            NsfwLabel = AsString(Get(NsfwNames)),
            Status = AsString(Get(StatusNames)),
        };
    }

    /// <summary>Maps an img2dataset per-sample json object; throws <see cref="JsonException"/> on malformed json.</summary>
    public static LaionRecord MapJson(ReadOnlySpan<byte> json)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("Sample json is not an object.");
        var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in doc.RootElement.EnumerateObject())
            row[p.Name] = p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString(),
                JsonValueKind.Number => p.Value.GetDouble(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => null,
            };
        return Map(row);
    }

    /// <summary>True when the columns hold at least one name this mapping understands (else the file is not LAION metadata).</summary>
    public static bool IsRecognised(IEnumerable<string> columns)
    {
        var known = new HashSet<string>(
            KeyNames.Concat(UrlNames).Concat(CaptionNames).Concat(PUnsafeNames).Concat(AestheticNames).Concat(HashNames),
            StringComparer.OrdinalIgnoreCase);
        return columns.Any(known.Contains);
    }

    internal static string? AsString(object? v) => v switch
    {
        null => null,
        string s => s,
        byte[] b => System.Text.Encoding.UTF8.GetString(b),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString(),
    };

    internal static double? AsDouble(object? v)
    {
        double? d = v switch
        {
            null => null,
            double x => x,
            float x => x,
            int x => x,
            long x => x,
            short x => x,
            decimal x => (double)x,
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) => p,
            _ => null,
        };
        return d is { } r && double.IsFinite(r) ? r : null;
    }

    internal static int? AsInt(object? v) => AsDouble(v) is { } d && d >= 0 && d <= int.MaxValue ? (int)Math.Round(d) : null;
}

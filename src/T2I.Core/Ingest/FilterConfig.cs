using System.Text.Json;
using System.Text.Json.Serialization;

namespace T2I.Core.Ingest;

/// <summary>
/// Every ingestion filter in one JSON file (<c>--config filters.json</c>); absent keys keep these defaults:
/// <code>
/// {
///   "maxPUnsafe": 0.5,            // drop when punsafe &gt; this (LAION-5B's safety classifier)
///   "dropNsfwLabels": ["NSFW"],   // LAION-400M's string column; add "UNSURE" to be stricter
///   "maxPWatermark": 0.5,         // drop when pwatermark &gt; this
///   "minAesthetic": 4.5,          // drop when the aesthetic score is below this (missing scores pass)
///   "requireSuccessStatus": true, // img2dataset status must be "success" when present
///   "minShortSide": null,         // null = the base resolution: an image is kept at each resolution it reaches
///   "maxAspect": 4.0,             // long/short side above this is dropped (the bucket table spans 1:4..4:1)
///   "minCaptionChars": 3,
///   "minCaptionWords": 1,
///   "blockedDomains": [],         // hosts; a host also blocks its subdomains
///   "blockedDomainsFile": null,   // a text file, one host per line, '#' comments
///   "dedup": true,                // exact duplicates by sha256 of the image bytes, across shards and reruns
///   "maxPixels": 67108864,        // decompression-bomb guard, checked from the header before decoding
///   "maxImageBytes": 67108864,    // a larger tar member is skipped unread (oversized_member)
///   "outputFormat": "jpeg",       // "jpeg" or "png"
///   "jpegQuality": 92,
///   "rowGroupRows": 256,          // a row group is written when it has this many rows…
///   "rowGroupBytes": 16777216,    // …or this many bytes
///   "maxBufferedBytes": 67108864  // all row groups being filled together; past it the largest is written early
/// }
/// </code>
/// </summary>
public sealed record FilterConfig
{
    public double MaxPUnsafe { get; init; } = 0.5;
    public string[] DropNsfwLabels { get; init; } = ["NSFW"];
    public double MaxPWatermark { get; init; } = 0.5;
    public double MinAesthetic { get; init; } = 4.5;
    public bool RequireSuccessStatus { get; init; } = true;
    public int? MinShortSide { get; init; }
    public double MaxAspect { get; init; } = 4.0;
    public int MinCaptionChars { get; init; } = 3;
    public int MinCaptionWords { get; init; } = 1;
    public string[] BlockedDomains { get; init; } = [];
    public string? BlockedDomainsFile { get; init; }
    public bool Dedup { get; init; } = true;
    public long MaxPixels { get; init; } = T2I.Core.Data.ImageCodec.DefaultMaxPixels;
    public long MaxImageBytes { get; init; } = 64L << 20;
    public string OutputFormat { get; init; } = "jpeg";
    public int JpegQuality { get; init; } = 92;
    public int RowGroupRows { get; init; } = T2I.Core.Data.BucketShardFile.DefaultRowGroupRows;
    public long RowGroupBytes { get; init; } = 16L << 20;
    public long MaxBufferedBytes { get; init; } = 64L << 20;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, // a typo must not silently keep a default
        WriteIndented = true,
    };

    /// <summary>Loads and validates; throws <see cref="ConfigException"/> with a message a user can act on.</summary>
    public static FilterConfig Load(string? path)
    {
        if (path is null) return new FilterConfig().Validated();
        if (!File.Exists(path)) throw new ConfigException($"Filter config '{path}' does not exist.");
        try
        {
            var config = JsonSerializer.Deserialize<FilterConfig>(File.ReadAllText(path), Json)
                ?? throw new ConfigException($"Filter config '{path}' is empty.");
            if (config.BlockedDomainsFile is { } f && !Path.IsPathRooted(f))
                config = config with { BlockedDomainsFile = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, f) };
            return config.Validated();
        }
        catch (JsonException e)
        {
            throw new ConfigException($"Filter config '{path}' is not valid: {e.Message}");
        }
    }

    [JsonIgnore]
    public SkiaSharp.SKEncodedImageFormat EncodedFormat => OutputFormat == "png" ? SkiaSharp.SKEncodedImageFormat.Png
        : SkiaSharp.SKEncodedImageFormat.Jpeg;

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    private FilterConfig Validated()
    {
        void Require(bool ok, string message) { if (!ok) throw new ConfigException("Filter config: " + message); }
        Require(MaxPUnsafe is >= 0 and <= 1, "maxPUnsafe must be within [0, 1].");
        Require(MaxPWatermark is >= 0 and <= 1, "maxPWatermark must be within [0, 1].");
        Require(MaxAspect >= 1, "maxAspect must be at least 1.");
        Require(MinShortSide is null or > 0, "minShortSide must be positive.");
        Require(MinCaptionChars >= 0 && MinCaptionWords >= 0, "caption minimums must not be negative.");
        Require(MaxPixels > 0, "maxPixels must be positive.");
        Require(MaxImageBytes is > 0 and <= int.MaxValue, "maxImageBytes must be within 1..2147483647.");
        Require(OutputFormat is "jpeg" or "png", "outputFormat must be \"jpeg\" or \"png\".");
        Require(JpegQuality is >= 1 and <= 100, "jpegQuality must be within 1..100.");
        Require(RowGroupRows >= 1, "rowGroupRows must be at least 1.");
        Require(RowGroupBytes >= 1 && MaxBufferedBytes >= 1, "rowGroupBytes and maxBufferedBytes must be positive.");
        Require(BlockedDomainsFile is null || File.Exists(BlockedDomainsFile),
            $"blockedDomainsFile '{BlockedDomainsFile}' does not exist.");
        return this;
    }
}

/// <summary>An unusable configuration: the CLI prints the message and exits non-zero.</summary>
public sealed class ConfigException(string message) : Exception(message);

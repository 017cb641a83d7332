namespace T2I.Core.Synthesis;

/// <summary>Deliberate damage planted in synthetic shards; each must be dropped by ingestion for one reason.</summary>
public enum SyntheticDefect
{
    None, CorruptJpeg, TruncatedMember, EmptyCaption, TinyImage, BlockedDomain, Duplicate, BadJson,
    Nsfw, Watermark, LowAesthetic, NonUtf8Caption, FailedStatus, ExtremeAspect,
}

public static class SyntheticDefects
{
    /// <summary>Defects planted by rotation every 1/share-th sample (truncation is planted per shard instead).</summary>
    public static readonly SyntheticDefect[] Rotation =
    [
        SyntheticDefect.CorruptJpeg, SyntheticDefect.EmptyCaption, SyntheticDefect.TinyImage, SyntheticDefect.BlockedDomain,
        SyntheticDefect.Duplicate, SyntheticDefect.BadJson, SyntheticDefect.Nsfw, SyntheticDefect.Watermark,
        SyntheticDefect.LowAesthetic, SyntheticDefect.NonUtf8Caption, SyntheticDefect.FailedStatus, SyntheticDefect.ExtremeAspect,
    ];

    /// <summary>The domain synthetic "blocked" samples come from (on a subdomain, to exercise suffix matching).</summary>
    public const string BlockedDomain = "stockmark.example";

    /// <summary>The drop reason ingestion must count for each defect (see <c>Ingest.DropReasons</c>).</summary>
    public static string ExpectedDropReason(SyntheticDefect d) => d switch
    {
        SyntheticDefect.CorruptJpeg => "undecodable",
        SyntheticDefect.TruncatedMember => "truncated_member",
        SyntheticDefect.EmptyCaption => "caption_empty",
        SyntheticDefect.TinyImage => "too_small",
        SyntheticDefect.BlockedDomain => "blocked_domain",
        SyntheticDefect.Duplicate => "duplicate",
        SyntheticDefect.BadJson => "bad_json",
        SyntheticDefect.Nsfw => "nsfw",
        SyntheticDefect.Watermark => "watermark",
        SyntheticDefect.LowAesthetic => "low_aesthetic",
        SyntheticDefect.NonUtf8Caption => "caption_not_text",
        SyntheticDefect.FailedStatus => "status_not_success",
        SyntheticDefect.ExtremeAspect => "extreme_aspect",
        _ => throw new ArgumentOutOfRangeException(nameof(d), d, "Clean samples are not dropped."),
    };
}

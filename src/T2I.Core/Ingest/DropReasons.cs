namespace T2I.Core.Ingest;

/// <summary>Every reason a sample can be dropped; the manifest and <c>dataprep stats</c> count by these names.</summary>
public static class DropReasons
{
    public const string TruncatedMember = "truncated_member";   // the tar ends inside the sample
    public const string OversizedMember = "oversized_member";   // a member above maxImageBytes, skipped unread
    public const string MissingImage = "missing_image";         // no KEY.jpg|png|webp member
    public const string BadJson = "bad_json";                   // KEY.json is not a json object
    public const string StatusNotSuccess = "status_not_success";
    public const string CaptionMissing = "caption_missing";
    public const string CaptionNotText = "caption_not_text";    // not valid UTF-8, or control characters
    public const string CaptionEmpty = "caption_empty";
    public const string CaptionTooShort = "caption_too_short";
    public const string Nsfw = "nsfw";                          // punsafe above the limit or LAION-400M NSFW label
    public const string Watermark = "watermark";
    public const string LowAesthetic = "low_aesthetic";
    public const string BlockedDomain = "blocked_domain";
    public const string Undecodable = "undecodable";
    public const string TruncatedImage = "truncated_image";
    public const string UnsupportedFormat = "unsupported_format";
    public const string TooManyPixels = "too_many_pixels";      // decompression-bomb guard
    public const string TooSmall = "too_small";                 // shortest side below every requested base resolution
    public const string ExtremeAspect = "extreme_aspect";
    public const string Duplicate = "duplicate";                // sha256 of the image bytes seen before (any shard, any run)
}

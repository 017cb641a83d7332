using System.Text;

namespace T2I.Core.Ingest;

/// <summary>Turns caption bytes into text or a drop reason: strict UTF-8, no control characters, trimmed.</summary>
public static class CaptionText
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes a caption member; returns null and sets <paramref name="reason"/> when it is not text.</summary>
    public static string? Decode(byte[] bytes, out string? reason)
    {
        reason = null;
        string text;
        try { text = Strict.GetString(bytes); }
        catch (DecoderFallbackException) { reason = DropReasons.CaptionNotText; return null; }
        return Check(text, out reason);
    }

    /// <summary>Checks a caption already held as a string (from json or Parquet).</summary>
    public static string? Check(string text, out string? reason)
    {
        reason = null;
        text = text.TrimStart('\uFEFF').Trim();
        if (text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')) || text.Contains('\uFFFD'))
        {
            reason = DropReasons.CaptionNotText;
            return null;
        }
        return text;
    }

    /// <summary>Null when long enough; otherwise the reason (empty, too short).</summary>
    public static string? LengthProblem(string caption, FilterConfig config)
    {
        if (caption.Length == 0) return DropReasons.CaptionEmpty;
        int words = caption.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        return caption.Length < config.MinCaptionChars || words < config.MinCaptionWords ? DropReasons.CaptionTooShort : null;
    }
}

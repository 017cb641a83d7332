using System.Text;

namespace T2I.Core.Emoji;

/// <summary>
/// The join key of every image set: lower-case code points of at least 4 hex digits joined by '-', without U+FE0F
/// (variation selector 16) and U+E007F (the cancel tag ending a subdivision flag). The sets write these
/// inconsistently: "2764-fe0f" and "2764", "0023-fe0f-20e3" and "23-fe0f-20e3", "1f3f4-e0067-…-e007f" and
/// "1f3f4-e0067_…".
/// </summary>
public static class EmojiKey
{
    public static string Of(string codePoints) => string.Join('-', codePoints.Trim().ToLowerInvariant()
        .Split(['-', '_'], StringSplitOptions.RemoveEmptyEntries)
        .Select(p => int.TryParse(p, System.Globalization.NumberStyles.AllowHexSpecifier, null, out int cp) ? cp.ToString("x4") : p)
        .Where(p => p is not ("fe0f" or "e007f")));

    /// <summary>
    /// A CLDR label as Iconify's Fluent names spell it: "men’s room" → "mens-room", "keycap: 1" → "keycap-1",
    /// "piñata" → "piata" (apostrophes and non-ASCII letters dropped, every other run of symbols a hyphen).
    /// </summary>
    public static string Slug(string label)
    {
        var sb = new StringBuilder(label.Length);
        foreach (char c in label.ToLowerInvariant())
        {
            if (c is '\'' or '’' or '.' || c > 127 && char.IsLetter(c)) continue;
            if (char.IsAsciiLetterOrDigit(c)) sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
        }
        return sb.ToString().Trim('-');
    }
}

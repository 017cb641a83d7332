using System.Text;

namespace T2I.Core.Emoji;

/// <summary>
/// The join key of every image set: lower-case code points joined by '-', without U+FE0F (variation selector 16),
/// which the sets write inconsistently ("2764-fe0f" in one, "2764" in another).
/// </summary>
public static class EmojiKey
{
    public static string Of(string codePoints) => string.Join('-', codePoints.Trim().ToLowerInvariant()
        .Split('-', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "fe0f"));

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

namespace T2I.Core.Emoji;

/// <summary>
/// One style's picture of one concept: a bitmap file (PNG or WebP) or a complete SVG document, with its provenance
/// (<paramref name="Url"/>: a package URL naming the npm package, version and file, written as the sample's url).
/// </summary>
public sealed record EmojiArt(string Style, string Key, string Url, string? File = null, string? Svg = null);

using SkiaSharp;

namespace T2I.Core.Emoji;

/// <summary>What <c>dataprep emoji</c> builds: which styles, at what square size, how many concepts, shard size, background.</summary>
public sealed record EmojiOptions
{
    public required EmojiPackages Packages { get; init; }
    public IReadOnlyList<string> Styles { get; init; } = EmojiStyle.All;
    /// <summary>Side of the stored square images; 64 is the Noto and Twemoji sets' own size (no enlarging).</summary>
    public int Size { get; init; } = 64;
    /// <summary>The first N concepts (emojibase order) that have a picture in some chosen style; null = all.</summary>
    public int? MaxConcepts { get; init; }
    public int ShardSize { get; init; } = 1000;
    public SKColor Background { get; init; } = SKColors.White;

    public EmojiOptions Validated()
    {
        if (Size is < 16 or > 1024) throw new ArgumentException($"Size {Size} is outside 16..1024.");
        if (ShardSize < 1) throw new ArgumentException("Shard size must be at least 1.");
        if (MaxConcepts is < 1) throw new ArgumentException("Max concepts must be at least 1.");
        if (Styles.Count == 0) throw new ArgumentException("Choose at least one style.");
        return this;
    }

    /// <summary>"white", "black" or a hex colour ("#f0f0f0", "f0f0f0"); null when it is none of these.</summary>
    public static SKColor? ParseColor(string text) => text.Trim().ToLowerInvariant() switch
    {
        "white" => SKColors.White,
        "black" => SKColors.Black,
        var hex when SKColor.TryParse(hex, out var c) => c.WithAlpha(255),
        _ => null,
    };
}

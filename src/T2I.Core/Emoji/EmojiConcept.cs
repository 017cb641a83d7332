namespace T2I.Core.Emoji;

/// <summary>
/// One emoji as emojibase-data describes it: <paramref name="Key"/> (its code points, see <see cref="EmojiKey"/>), the
/// CLDR label ("red apple"), tags ("apple", "fruit"), group and subgroup names (null for the few ungrouped ones).
/// </summary>
public sealed record EmojiConcept(string Key, string Hexcode, string Emoji, string Label, IReadOnlyList<string> Tags,
    string? Group, string? Subgroup);

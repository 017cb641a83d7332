namespace T2I.Core.Emoji;

/// <summary>
/// The captions joined to each chosen style's pictures by code point: concepts in emojibase order, and for each the
/// pictures in <see cref="EmojiStyle.All"/> order. A concept no chosen style draws is not part of the set.
/// </summary>
public sealed record EmojiJoin(IReadOnlyList<EmojiConcept> Concepts, IReadOnlyList<(EmojiConcept Concept, EmojiArt Art)> Pairs)
{
    public static EmojiJoin Build(EmojiOptions options, EmojiSkips skips)
    {
        var catalog = EmojiCatalog.Load(options.Packages, skips);
        var byKey = catalog.ToDictionary(c => c.Key);
        var styles = options.Styles.Select(style => style switch
        {
            EmojiStyle.Google or EmojiStyle.Twitter => DatasourceImages.Load(options.Packages, style, byKey, skips),
            EmojiStyle.Fluent3D => CodePointImages.Load(options.Packages, style, byKey, skips),
            _ => IconifyIcons.Load(options.Packages, style, byKey, skips),
        }).ToList();
        var concepts = catalog.Where(c => styles.Any(s => s.ContainsKey(c.Key)))
            .Take(options.MaxConcepts ?? int.MaxValue).ToList();
        var pairs = concepts.SelectMany(c => styles.Where(s => s.ContainsKey(c.Key)).Select(s => (c, s[c.Key]))).ToList();
        return new EmojiJoin(concepts, pairs);
    }
}

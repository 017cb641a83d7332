namespace T2I.Core.Emoji;

/// <summary>What a build wrote: concepts with a picture written, (caption, image) pairs per style, shards, skips by reason,
/// and the time.</summary>
public sealed record EmojiReport(int Concepts, IReadOnlyDictionary<string, int> PairsByStyle, int Shards,
    IReadOnlyDictionary<string, int> Skips, TimeSpan Elapsed)
{
    public int Pairs => PairsByStyle.Values.Sum();
    /// <summary>Concepts with a picture written in every chosen style.</summary>
    public int ConceptsInAllStyles { get; init; }
}

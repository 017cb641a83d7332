namespace T2I.Core.Data;

/// <summary>
/// One LAION sample's metadata in canonical form, whatever release or tool wrote it (see <see cref="LaionColumns"/>).
/// Every field may be missing: filters decide what a missing value means.
/// </summary>
public sealed record LaionRecord
{
    public string? Key { get; init; }
    public string? Url { get; init; }
    public string? Caption { get; init; }
    /// <summary>Size claimed by the metadata (LAION: the original image; img2dataset json: the stored image).</summary>
    public int? Width { get; init; }
    public int? Height { get; init; }
    public int? OriginalWidth { get; init; }
    public int? OriginalHeight { get; init; }
    public double? PUnsafe { get; init; }
    public double? PWatermark { get; init; }
    public double? Aesthetic { get; init; }
    public double? Similarity { get; init; }
    public string? Hash { get; init; }
    /// <summary>LAION-400M's string label: <c>UNLIKELY</c>, <c>UNSURE</c> or <c>NSFW</c>.</summary>
    public string? NsfwLabel { get; init; }
    /// <summary>img2dataset download status: <c>success</c>, <c>failed_to_download</c>, <c>failed_to_resize</c>…</summary>
    public string? Status { get; init; }

    /// <summary>Fields of <paramref name="other"/> fill the ones missing here (sample json wins over shard Parquet).</summary>
    public LaionRecord FillFrom(LaionRecord? other) => other is null ? this : new LaionRecord
    {
        Key = Key ?? other.Key,
        Url = Url ?? other.Url,
        Caption = Caption ?? other.Caption,
        Width = Width ?? other.Width,
        Height = Height ?? other.Height,
        OriginalWidth = OriginalWidth ?? other.OriginalWidth,
        OriginalHeight = OriginalHeight ?? other.OriginalHeight,
        PUnsafe = PUnsafe ?? other.PUnsafe,
        PWatermark = PWatermark ?? other.PWatermark,
        Aesthetic = Aesthetic ?? other.Aesthetic,
        Similarity = Similarity ?? other.Similarity,
        Hash = Hash ?? other.Hash,
        NsfwLabel = NsfwLabel ?? other.NsfwLabel,
        Status = Status ?? other.Status,
    };
}

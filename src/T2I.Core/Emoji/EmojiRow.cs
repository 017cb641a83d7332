using System.Text.Json.Serialization;
using T2I.Core.Synthesis;

namespace T2I.Core.Emoji;

/// <summary>
/// An emoji sample's Parquet row: img2dataset's columns plus what a LAION-style consumer filters or probes on. No
/// LAION scores (similarity, punsafe, aesthetic…): there are none for these images, and ingestion passes missing ones.
/// </summary>
public sealed class EmojiRow : Img2DatasetColumns
{
    [JsonPropertyName("emoji")] public string Emoji { get; set; } = "";
    /// <summary>emojibase-data's hexcode, e.g. <c>1F34E</c>: the concept the pictures of all styles share.</summary>
    [JsonPropertyName("hexcode")] public string Hexcode { get; set; } = "";
    [JsonPropertyName("style")] public string Style { get; set; } = "";
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("subgroup")] public string? Subgroup { get; set; }
    /// <summary>Alternative captions (the CLDR tags), as a JSON array of strings.</summary>
    [JsonPropertyName("caption_variants")] public string CaptionVariants { get; set; } = "[]";
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace T2I.Core.Data;

/// <summary>
/// One row of a bucketed output shard (DESIGN.md "Bucketed output"): the caption, the image encoded at exactly
/// the bucket's size, its provenance and the scores it was filtered on. Column names are snake_case.
/// </summary>
public sealed class BucketRow
{
    [JsonPropertyName("key")] public string Key { get; set; } = "";
    [JsonPropertyName("caption")] public string Caption { get; set; } = "";
    /// <summary>Encoded image (JPEG or PNG) at <see cref="Width"/> × <see cref="Height"/>, the bucket size.</summary>
    [JsonPropertyName("image")] public byte[] Image { get; set; } = [];
    [JsonPropertyName("width")] public int Width { get; set; }
    [JsonPropertyName("height")] public int Height { get; set; }
    [JsonPropertyName("original_width")] public int OriginalWidth { get; set; }
    [JsonPropertyName("original_height")] public int OriginalHeight { get; set; }
    /// <summary>Lower-case hex sha256 of the source image bytes (the exact-duplicate key).</summary>
    [JsonPropertyName("sha256")] public string Sha256 { get; set; } = "";
    [JsonPropertyName("source_shard")] public string SourceShard { get; set; } = "";
    [JsonPropertyName("url")] public string? Url { get; set; }
    [JsonPropertyName("punsafe")] public double? PUnsafe { get; set; }
    [JsonPropertyName("pwatermark")] public double? PWatermark { get; set; }
    [JsonPropertyName("aesthetic")] public double? Aesthetic { get; set; }
    [JsonPropertyName("similarity")] public double? Similarity { get; set; }
    /// <summary>Evaluation labels carried from the source json (synthetic sets), as a json object string.</summary>
    [JsonPropertyName("labels")] public string? Labels { get; set; }

    /// <summary>The string value of one field of <see cref="Labels"/> (e.g. the emoji's <c>label</c>, <c>style</c>), or null.</summary>
    public string? Label(string field)
    {
        if (string.IsNullOrEmpty(Labels)) return null;
        try
        {
            using var doc = JsonDocument.Parse(Labels);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(field, out var v) &&
                   v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        }
        catch (JsonException)
        {
            return null; // a row with broken labels is unlabelled, not a crash
        }
    }
}

namespace T2I.Core.Synthesis;

/// <summary>One generated sample as it goes into a shard: tar members plus the Parquet metadata row.</summary>
public sealed record SyntheticSample(
    string Key, byte[] Image, string Extension, byte[] CaptionBytes, byte[] Json,
    Img2DatasetRow Meta, SyntheticDefect Defect);

/// <summary>img2dataset's per-shard Parquet columns (plus the LAION columns it was asked to keep).</summary>
public sealed class Img2DatasetRow
{
    [System.Text.Json.Serialization.JsonPropertyName("key")] public string Key { get; set; } = "";
    [System.Text.Json.Serialization.JsonPropertyName("url")] public string Url { get; set; } = "";
    [System.Text.Json.Serialization.JsonPropertyName("caption")] public string? Caption { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("status")] public string Status { get; set; } = "success";
    [System.Text.Json.Serialization.JsonPropertyName("error_message")] public string? ErrorMessage { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("width")] public int Width { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("height")] public int Height { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("original_width")] public int OriginalWidth { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("original_height")] public int OriginalHeight { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("sha256")] public string Sha256 { get; set; } = "";
    [System.Text.Json.Serialization.JsonPropertyName("similarity")] public double Similarity { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("punsafe")] public double PUnsafe { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("pwatermark")] public double PWatermark { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("aesthetic")] public double Aesthetic { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("NSFW")] public string Nsfw { get; set; } = "UNLIKELY";
}

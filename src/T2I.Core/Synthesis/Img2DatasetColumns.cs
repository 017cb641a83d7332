namespace T2I.Core.Synthesis;

/// <summary>
/// img2dataset's own per-shard Parquet columns; a set adds its own beside them (LAION scores, emoji style and group).
/// Parquet.Net writes a subclass's columns too, so one shard writer serves every set.
/// </summary>
public class Img2DatasetColumns
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
}

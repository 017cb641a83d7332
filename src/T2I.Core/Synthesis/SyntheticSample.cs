namespace T2I.Core.Synthesis;

/// <summary>One generated sample as it goes into a shard: tar members plus the Parquet metadata row.</summary>
public sealed record SyntheticSample(
    string Key, byte[] Image, string Extension, byte[] CaptionBytes, byte[] Json,
    Img2DatasetRow Meta, SyntheticDefect Defect);

/// <summary>The LAION columns img2dataset was asked to keep, beside its own (<see cref="Img2DatasetColumns"/>).</summary>
public sealed class Img2DatasetRow : Img2DatasetColumns
{
    [System.Text.Json.Serialization.JsonPropertyName("similarity")] public double Similarity { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("punsafe")] public double PUnsafe { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("pwatermark")] public double PWatermark { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("aesthetic")] public double Aesthetic { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("NSFW")] public string Nsfw { get; set; } = "UNLIKELY";
}

using System.Formats.Tar;
using System.Text.Json;
using Parquet.Serialization;
using T2I.Core.Storage;

namespace T2I.Core.Synthesis;

/// <summary>
/// Writes one shard in img2dataset's output layout: <c>NNNNN.tar</c> (webdataset: KEY.jpg|png|webp, KEY.json,
/// KEY.txt), <c>NNNNN.parquet</c> (one metadata row per sample) and <c>NNNNN_stats.json</c>.
/// A sample planted as <see cref="SyntheticDefect.TruncatedMember"/> must be last: the tar is cut inside its image.
/// </summary>
public static class SynthShardWriter
{
    private static readonly DateTimeOffset FixedTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000); // deterministic bytes

    public static async Task WriteAsync(IBlobStore store, int shard, IReadOnlyList<SyntheticSample> samples, CancellationToken ct = default)
    {
        string name = $"{shard:D5}";
        var tar = new MemoryStream();
        long cutAt = -1;
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var s in samples)
            {
                if (s.Defect == SyntheticDefect.TruncatedMember) cutAt = tar.Position + 512 + s.Image.Length / 2;
                Add(writer, $"{s.Key}.{s.Extension}", s.Image);
                Add(writer, $"{s.Key}.json", s.Json);
                Add(writer, $"{s.Key}.txt", s.CaptionBytes);
            }
        }
        var tarBytes = cutAt >= 0 ? tar.ToArray()[..(int)cutAt] : tar.ToArray();

        var parquet = new MemoryStream();
        await ParquetSerializer.SerializeAsync(samples.Select(s => s.Meta), parquet, cancellationToken: ct);

        int failed = samples.Count(s => s.Meta.Status != "success");
        var stats = new Dictionary<string, object>
        {
            ["count"] = samples.Count, ["successes"] = samples.Count - failed, ["failed_to_download"] = 0,
            ["failed_to_resize"] = failed, ["duration"] = 0.0, ["start_time"] = FixedTime.ToUnixTimeSeconds(),
            ["end_time"] = FixedTime.ToUnixTimeSeconds(), ["status_dict"] = new Dictionary<string, int>
            {
                ["success"] = samples.Count - failed, ["image decoding error"] = failed,
            },
        };

        // Parquet and stats first, the tar last: a reader that lists tars never sees a tar without its metadata.
        await store.WriteAsync($"{name}.parquet", new MemoryStream(parquet.ToArray()), ct);
        await store.WriteAsync($"{name}_stats.json", new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(stats,
            new JsonSerializerOptions { WriteIndented = true })), ct);
        await store.WriteAsync($"{name}.tar", new MemoryStream(tarBytes), ct);
    }

    private static void Add(TarWriter writer, string name, byte[] data)
    {
        var entry = new UstarTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(data), ModificationTime = FixedTime,
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        };
        writer.WriteEntry(entry);
    }
}

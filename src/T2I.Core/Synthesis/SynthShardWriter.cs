using System.Formats.Tar;
using System.Text.Json;
using Parquet.Serialization;
using T2I.Core.Storage;

namespace T2I.Core.Synthesis;

/// <summary>
/// Writes one shard in img2dataset's output layout: <c>NNNNN.tar</c> (webdataset: KEY.jpg|png|webp, KEY.json,
/// KEY.txt), <c>NNNNN.parquet</c> (one metadata row per sample) and <c>NNNNN_stats.json</c>.
/// A sample planted as <see cref="SyntheticDefect.TruncatedMember"/> must be last: the tar is cut inside its image.
/// Synthetic and emoji sets alike: each passes its own Parquet row type.
/// </summary>
public static class SynthShardWriter
{
    private static readonly DateTimeOffset FixedTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000); // deterministic bytes

    public static Task WriteAsync(IBlobStore store, int shard, IReadOnlyList<SyntheticSample> samples, CancellationToken ct = default)
        => WriteAsync(store, shard, samples.Select(s => new ShardMember(s.Key, s.Extension, s.Image, s.Json, s.CaptionBytes,
            s.Defect == SyntheticDefect.TruncatedMember)).ToList(), samples.Select(s => s.Meta).ToList(), ct);

    /// <summary>Writes <paramref name="samples"/> with their Parquet <paramref name="rows"/> (one per sample, same order).</summary>
    public static async Task WriteAsync<TRow>(IBlobStore store, int shard, IReadOnlyList<ShardMember> samples,
        IReadOnlyList<TRow> rows, CancellationToken ct = default) where TRow : Img2DatasetColumns
    {
        if (rows.Count != samples.Count) throw new ArgumentException("One Parquet row per sample.", nameof(rows));
        string name = $"{shard:D5}";
        var tar = new MemoryStream();
        long cutAt = -1;
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var s in samples)
            {
                if (s.CutInsideImage) cutAt = tar.Position + 512 + s.Image.Length / 2;
                Add(writer, $"{s.Key}.{s.Extension}", s.Image);
                Add(writer, $"{s.Key}.json", s.Json);
                Add(writer, $"{s.Key}.txt", s.CaptionBytes);
            }
        }
        var tarBytes = cutAt >= 0 ? tar.ToArray()[..(int)cutAt] : tar.ToArray();

        var parquet = new MemoryStream();
        await ParquetSerializer.SerializeAsync(rows, parquet, cancellationToken: ct);

        int failed = rows.Count(r => r.Status != "success");
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

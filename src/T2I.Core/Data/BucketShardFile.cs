using Parquet;
using Parquet.Serialization;

namespace T2I.Core.Data;

/// <summary>
/// Writes and reads one bucketed Parquet shard (<see cref="BucketRow"/> rows). Row groups hold
/// <see cref="DefaultRowGroupRows"/> rows by default: at ~20–60 kB per 256² JPEG that is a few MB per group,
/// small enough to shuffle within and large enough for efficient S3 range reads.
/// </summary>
public static class BucketShardFile
{
    public const int DefaultRowGroupRows = 256;

    public static async Task<byte[]> WriteAsync(IReadOnlyCollection<BucketRow> rows, int rowGroupRows = DefaultRowGroupRows,
        CancellationToken ct = default)
    {
        using var ms = new MemoryStream();
        var options = new ParquetOptions { RowGroupSize = rowGroupRows, CompressionMethod = CompressionMethod.None };
        // Images are already compressed; compressing the file again only costs CPU.
        await ParquetSerializer.SerializeAsync(rows, ms, options, cancellationToken: ct);
        return ms.ToArray();
    }

    /// <summary>
    /// Adds <paramref name="rows"/> as one row group to the Parquet file being built in <paramref name="file"/>
    /// (read/write, seekable; empty on the first call). Each call leaves a complete, valid file behind, so a
    /// writer holds only the rows of the group it is filling, never the whole file.
    /// </summary>
    public static async Task AppendRowGroupAsync(Stream file, IReadOnlyCollection<BucketRow> rows, CancellationToken ct = default)
    {
        if (rows.Count == 0) return;
        var options = new ParquetOptions
        {
            RowGroupSize = rows.Count, CompressionMethod = CompressionMethod.None, Append = file.Length > 0,
        };
        file.Position = file.Length;
        await ParquetSerializer.SerializeAsync(rows, file, options, cancellationToken: ct);
    }

    /// <summary>Rows of one row group (or all when <paramref name="rowGroup"/> is null). The stream must be seekable.</summary>
    public static async Task<IList<BucketRow>> ReadAsync(Stream seekable, int? rowGroup = null, CancellationToken ct = default)
    {
        var result = await ParquetSerializer.DeserializeAsync<BucketRow>(seekable, null, rowGroup, ct);
        return result.Data;
    }

    /// <summary>Row counts per row group, from the footer only.</summary>
    public static async Task<long[]> RowGroupSizesAsync(Stream seekable, CancellationToken ct = default)
    {
        await using var reader = await ParquetReader.CreateAsync(seekable, null, true, ct);
        var sizes = new long[reader.RowGroupCount];
        for (int i = 0; i < sizes.Length; i++)
        {
            using var rg = reader.OpenRowGroupReader(i);
            sizes[i] = rg.RowCount;
        }
        return sizes;
    }
}

using Parquet;
using Parquet.Serialization;
using T2I.Core.Data;
using T2I.Core.Storage;

namespace T2I.Core.Ingest;

/// <summary>
/// The optional <c>NNNNN.parquet</c> beside a tar: img2dataset's per-sample metadata (with whatever LAION
/// columns were kept). It only fills fields the sample json lacks, so a missing or damaged file is a counted
/// problem, not a failure.
/// </summary>
public static class ShardMetadata
{
    public static async Task<(Dictionary<string, LaionRecord> Rows, string? Problem)> LoadAsync(IBlobStore store, string key,
        CancellationToken ct)
    {
        var rows = new Dictionary<string, LaionRecord>(StringComparer.Ordinal);
        if (!await StoreUnavailableException.Guard("input", store, $"looking for {key}", () => store.ExistsAsync(key,
            ct))) return (rows, null);
        try
        {
            // Ranged reads on S3: the footer, then one row group at a time, never the whole file at once.
            await using var s = await InputStream.OpenAsync(store, key, ct);
            int groups;
            await using (var reader = await ParquetReader.CreateAsync(s, null, true, ct))
            {
                if (!LaionColumns.IsRecognised(reader.Schema.DataFields.Select(f => f.Name))) return (rows, "parquet_missing_columns");
                groups = reader.RowGroupCount;
            }
            for (int g = 0; g < groups; g++)
                foreach (var row in (await ParquetSerializer.DeserializeUntypedAsync(s, null, g, ct)).Data)
                {
                    var record = LaionColumns.Map(row.ToDictionary(p => p.Key, p => (object?)p.Value));
                    if (record.Key is { } k) rows[k] = record;
                }
            return (rows, rows.Count == 0 ? "parquet_missing_columns" : null);
        }
        catch (Exception e) when (e is not (OperationCanceledException or FileNotFoundException or StoreUnavailableException))
        {
            // Parquet.Net reports damage with several exception types (IO, format, Thrift, index): all mean
            // "unreadable". A store failure is not damage: it ends the run before this shard is committed.
            return (rows, "bad_parquet");
        }
    }
}

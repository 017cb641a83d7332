using Parquet.Serialization;
using T2I.Core.Data;
using T2I.Core.Storage;

namespace T2I.DataPrep.Ingest;

/// <summary>
/// The optional <c>NNNNN.parquet</c> beside a tar: img2dataset's per-sample metadata (with whatever LAION
/// columns were kept). It only fills fields the sample json lacks, so a missing or damaged file is a counted
/// problem, not a failure.
/// </summary>
public static class ShardMetadata
{
    public static async Task<(Dictionary<string, LaionRecord> Rows, string? Problem)> LoadAsync(IBlobStore store, string key, CancellationToken ct)
    {
        var rows = new Dictionary<string, LaionRecord>(StringComparer.Ordinal);
        if (!await store.ExistsAsync(key, ct)) return (rows, null);
        try
        {
            await using var s = await SeekableStream.EnsureAsync(await store.OpenReadAsync(key, ct), ct);
            var result = await ParquetSerializer.DeserializeUntypedAsync(s, null, null, ct);
            if (!LaionColumns.IsRecognised(result.Schema.DataFields.Select(f => f.Name))) return (rows, "parquet_missing_columns");
            foreach (var row in result.Data)
            {
                var record = LaionColumns.Map(row.ToDictionary(p => p.Key, p => (object?)p.Value));
                if (record.Key is { } k) rows[k] = record;
            }
            return (rows, rows.Count == 0 ? "parquet_missing_columns" : null);
        }
        catch (Exception e) when (e is not OperationCanceledException and not FileNotFoundException)
        {
            // Parquet.Net reports damage with several exception types (IO, format, Thrift, index): all mean "unreadable".
            return (rows, "bad_parquet");
        }
    }
}

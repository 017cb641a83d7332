using T2I.Core.Ingest;

namespace T2I.DataPrep.Stats;

/// <summary>Totals over every committed shard of an output manifest.</summary>
public sealed record IngestStats(
    int Shards, long Samples, long Kept,
    IReadOnlyDictionary<string, long> Buckets,   // "res256/320x208" → rows
    IReadOnlyDictionary<string, long> Drops,     // reason → samples
    IReadOnlyDictionary<string, long> Problems,  // archive-level damage
    IReadOnlyDictionary<string, long> SkippedAtResolution)
{
    public static IngestStats From(IngestManifest m)
    {
        static IReadOnlyDictionary<string, long> Sum(IEnumerable<IDictionary<string, long>> parts) =>
            parts.SelectMany(p => p).GroupBy(p => p.Key, StringComparer.Ordinal)
                 .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Value));
        var shards = m.Shards.Values.ToList();
        return new IngestStats(shards.Count, shards.Sum(s => s.Samples), shards.Sum(s => s.Kept),
            Sum(shards.Select(s => s.Buckets)), Sum(shards.Select(s => s.Drops)), Sum(shards.Select(s => s.Problems)),
            Sum(shards.Select(s => s.SkippedAtResolution)));
    }
}

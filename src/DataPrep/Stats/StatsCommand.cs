using T2I.Core.Storage;
using System.CommandLine;
using Spectre.Console;
using T2I.Core.Ingest;

namespace T2I.DataPrep.Stats;

/// <summary><c>dataprep stats</c>: counts per bucket and per drop reason from an output manifest, plus PNG charts.</summary>
public static class StatsCommand
{
    public static Command Build()
    {
        var input = new Option<string>("--input")
        {
            Description = "An ingest output (folder or s3://bucket/prefix) holding " +
            "manifest.json.", Required = true
        };
        var chart = new Option<string>("--chart")
        {
            Description = "Path prefix of the PNG charts ({prefix}-buckets.png, " +
            "{prefix}-drops.png).", DefaultValueFactory = _ => "dataprep-stats"
        };
        var cmd = new Command("stats",
            "Print rows per bucket and drops per reason of an ingest output, and write bar charts as PNG.") { input, chart };
        cmd.SetAction(async (parse, ct) =>
        {
            var store = BlobStores.Open(parse.GetValue(input)!);
            IngestManifest? manifest;
            try
            {
                manifest = await StoreUnavailableException.Guard("input", store, $"reading {IngestManifest.Key}", () =>
                IngestManifest.LoadAsync(store, ct));
            }
            catch (InvalidDataException e) { await Console.Error.WriteLineAsync($"stats: {e.Message}"); return 4; }
            catch (StoreUnavailableException e) { await Console.Error.WriteLineAsync($"stats: {e.Message}"); return 3; }
            if (manifest is null) { await Console.Error.WriteLineAsync($"stats: no {IngestManifest.Key} in {store.Location}."); return 3; }

            var stats = IngestStats.From(manifest);
            var console = AnsiConsole.Console;
            console.WriteLine($"{store.Location}: {stats.Shards} shards, {stats.Samples} samples, {stats.Kept} kept " +
                $"({Percent(stats.Kept, stats.Samples)})");
            console.Write(Table("bucket", "rows", stats.Buckets, stats.Kept));
            console.Write(Table("drop reason", "samples", stats.Drops, stats.Samples));
            if (stats.SkippedAtResolution.Count > 0) console.Write(Table("kept, but too small for", "samples",
                stats.SkippedAtResolution, stats.Kept));
            if (stats.Problems.Count > 0) console.Write(Table("archive problem", "count", stats.Problems, 0));
            foreach (var file in StatsChart.Write(stats, parse.GetValue(chart)!)) console.WriteLine($"chart: {file}");
            return 0;
        });
        return cmd;
    }

    private static Table Table(string what, string unit, IReadOnlyDictionary<string, long> counts, long of)
    {
        var t = new Table().AddColumn(what).AddColumn(new TableColumn(unit).RightAligned())
            .AddColumn(new TableColumn("share").RightAligned());
        foreach (var (k, v) in counts) t.AddRow(Markup.Escape(k), v.ToString(), of > 0 ? Percent(v, of) : "");
        return t;
    }

    private static string Percent(long a, long b) => b == 0 ? "-" : $"{100.0 * a / b:0.0}%";
}

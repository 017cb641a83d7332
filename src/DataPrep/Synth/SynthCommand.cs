using T2I.Core.Synthesis;
using System.CommandLine;
using T2I.Cli;
using T2I.Core.Storage;
using T2I.Core.Ingest;

namespace T2I.DataPrep.Synth;

/// <summary><c>dataprep synth</c>: writes synthetic LAION shards (our test bed; no LAION is reachable here).</summary>
public static class SynthCommand
{
    public static Command Build()
    {
        var output = new Option<string>("--output")
        {
            Description = "Output folder or s3://bucket/prefix for the shards.",
            Required = true
        };
        var count = new Option<int>("--count") { Description = "Number of samples in total.", Required = true };
        var shards = new Option<int>("--shards")
        {
            Description = "Number of shards (NNNNN.tar + .parquet + _stats.json each).",
            DefaultValueFactory = _ => 1
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed; the same seed gives byte-identical shards.",
            DefaultValueFactory = _ => 0
        };
        var defects = new Option<double>("--defect-share")
        {
            Description = "Share of samples carrying a planted defect (0 for a " +
            "clean set).", DefaultValueFactory = _ => 0.25
        };
        var shapes = new Option<string?>("--shapes")
        {
            Description = "Comma list of shapes to draw (default: all 8), e.g. " +
            "circle,square,triangle."
        };
        var colors = new Option<string?>("--colors")
        {
            Description = "Comma list of object colours (default: all 12), e.g. " +
            "red,green,blue,yellow."
        };
        var backgrounds = new Option<string?>("--backgrounds")
        {
            Description = "Comma list of background colours (default: all " +
            "12), e.g. white."
        };
        var cmd = new Command("synth",
            "Write synthetic captioned LAION-format shards (img2dataset layout) with a controlled share of defects.")
        {
            output, count, shards, seed, defects, shapes, colors, backgrounds,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            int n = parse.GetValue(count), k = parse.GetValue(shards);
            double share = parse.GetValue(defects);
            if (n < 1 || k < 1 || k > n || share is < 0 or > 1)
            {
                await Console.Error.WriteLineAsync("synth: need --count ≥ 1, 1 ≤ --shards ≤ --count and 0 ≤ --defect-share ≤ 1.");
                return 2;
            }
            SynthVocabulary vocabulary;
            try { vocabulary = SynthVocabulary.Parse(parse.GetValue(shapes), parse.GetValue(colors), parse.GetValue(backgrounds)); }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync($"synth: {e.Message}");
                return 2;
            }
            var store = BlobStores.Open(parse.GetValue(output)!);
            try
            {
                await ConsoleProgress.RunAsync("synth", progress =>
                    SyntheticShards.WriteAsync(store, n, k, parse.GetValue(seed), share, vocabulary, progress, ct));
            }
            catch (StoreUnavailableException e)
            {
                await Console.Error.WriteLineAsync($"synth: {e.Message}");
                return 3;
            }
            Console.WriteLine($"synth: wrote {n} samples in {k} shards to {store.Location}");
            return 0;
        });
        return cmd;
    }
}

using System.CommandLine;
using Microsoft.Extensions.Logging;
using T2I.Cli;
using T2I.Core.Emoji;
using T2I.Core.Ingest;
using T2I.Core.Storage;

namespace T2I.DataPrep.Emoji;

/// <summary>
/// <c>dataprep emoji</c>: real captioned images from the installed emoji packages (infra/emoji) as img2dataset shards,
/// for <c>dataprep ingest</c> like any LAION download.
/// </summary>
public static class EmojiCommand
{
    public static Command Build()
    {
        var output = new Option<string>("--output")
        {
            Description = "Output folder or s3://bucket/prefix for the shards.",
            Required = true
        };
        var packages = new Option<string?>("--packages")
        {
            Description = $"The emoji npm packages' node_modules (default: " +
            $"{EmojiPackages.RelativeRoot} of this checkout, installed by `bash infra/install-deps.sh`)."
        };
        var styles = new Option<string?>("--styles")
        {
            Description = $"Comma list of styles (default: all): " +
            $"{string.Join(",", EmojiStyle.All)}."
        };
        var size = new Option<int>("--size")
        {
            Description = "Side of the square images in pixels (64 = the Noto and Twemoji " +
            "sets' own size; ingest with --resolution at most this).", DefaultValueFactory = _ => 64
        };
        var maxConcepts = new Option<int?>("--max-concepts") { Description = "Only the first N concepts (emojibase order)." };
        var shardSize = new Option<int>("--shard-size") { Description = "Samples per shard.", DefaultValueFactory = _ => 1000 };
        var background = new Option<string>("--background")
        {
            Description = "Background the alpha is composited on: white, " +
            "black or #rrggbb.", DefaultValueFactory = _ => "white"
        };
        var cmd = new Command("emoji", "Write img2dataset shards of real captioned emoji (CLDR labels; Noto, Twemoji and " +
            "Fluent pictures) from the installed npm packages.")
        {
            output, packages, styles, size, maxConcepts, shardSize, background,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            EmojiOptions options;
            try
            {
                var color = EmojiOptions.ParseColor(parse.GetValue(background)!)
                    ?? throw new ArgumentException($"Background '{parse.GetValue(background)}' is not white, black or #rrggbb.");
                options = new EmojiOptions
                {
                    Packages = EmojiPackages.Locate(parse.GetValue(packages)), Styles = EmojiStyle.Parse(parse.GetValue(styles)),
                    Size = parse.GetValue(size), MaxConcepts = parse.GetValue(maxConcepts), ShardSize = parse.GetValue(shardSize),
                    Background = color,
                }.Validated();
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync($"emoji: {e.Message}");
                return 2;
            }
            // Skips go to stderr, one line each; stdout keeps the progress and the summary.
            using var logs = LoggerFactory.Create(b => b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .AddSimpleConsole(o => o.SingleLine = true).AddFilter((_, level) => level >= LogLevel.Information));
            var store = BlobStores.Open(parse.GetValue(output)!);
            EmojiReport report;
            try
            {
                report = await ConsoleProgress.RunAsync("emoji", progress =>
                    EmojiShards.WriteAsync(store, options, new EmojiSkips(logs.CreateLogger("emoji")), progress, ct));
            }
            catch (StoreUnavailableException e)
            {
                await Console.Error.WriteLineAsync($"emoji: {e.Message}");
                return 3;
            }
            Console.WriteLine(Summary(report, store.Location));
            return 0;
        });
        return cmd;
    }

    internal static string Summary(EmojiReport r, string location)
    {
        string styles = string.Join(", ", r.PairsByStyle.Select(p => $"{p.Key} {p.Value}"));
        string skips = r.Skips.Count == 0 ? "none" : string.Join(", ", r.Skips.Select(p => $"{p.Key} {p.Value}"));
        double rate = r.Pairs / Math.Max(1e-9, r.Elapsed.TotalSeconds);
        return $"emoji: wrote {r.Pairs} images of {r.Concepts} concepts ({r.ConceptsInAllStyles} in every chosen style) in " +
            $"{r.Shards} shards to {location} in {r.Elapsed.TotalSeconds:0.0} s ({rate:0} images/s)\n" +
            $"emoji: per style: {styles}\nemoji: skipped: {skips}";
    }
}

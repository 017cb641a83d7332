using T2I.Core;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using T2I.Cli;
using T2I.Core.Storage;
using T2I.Core.Emoji;
using T2I.Core.Ingest;
using T2I.Core.Synthesis;
using T2I.Training.Loop;
using T2I.Training.Presets;

namespace T2I.Training.Demo;

/// <summary>One row of the chain's summary: wall time spent in the stage over all sessions, and what it reports.</summary>
public sealed record DemoStageResult(string Stage, double Seconds, string Result);

/// <summary>
/// The demo model from nothing: <c>dataprep synth</c> → <c>dataprep ingest</c> (256 buckets) → tok-tiny-pretrain →
/// tok-tiny-s1 → s2 → s3 → t2i-tiny-aligned (128 px) on the aligned latents → export; or, recipe <c>emoji</c>,
/// <c>dataprep emoji</c> → ingest (64) → tok-emoji-s1 → s2 → s3 → t2i-emoji → export. In-process, every stage resumable: synth
/// is skipped once done, ingest commits per shard, each training stage resumes its own run folder (a finished one
/// returns at once), the export is rewritten from the DiT's final checkpoint. Stage times add up across sessions in
/// timings.json.
/// </summary>
public sealed class DemoChain(DemoChainOptions options, Action<string> log)
{
    private readonly Dictionary<string, double> timings = LoadTimings(options);

    public async Task<IReadOnlyList<DemoStageResult>> RunAsync(CancellationToken ct = default)
    {
        options.Validated();
        if (options.IsEmoji) await Timed("emoji", EmojiData);
        else await Timed("synth", Synth);
        await Timed("ingest", () => new IngestionJob().RunAsync(options.RawDir, options.BucketsDir, [options.IngestResolution], null,
            ct));
        string? previous = null;
        foreach (var stage in options.TokenizerStages)
        {
            var sets = new List<string> { $"data={options.BucketsDir}" };
            if (previous is not null) sets.Add($"init_from={options.RunDir("tok-" + previous)}");
            long? steps = stage switch
            {
                "pretrain" => options.PretrainSteps,
                "s1" => options.S1Steps,
                "s2" => options.S2Steps,
                _ => options.S3Steps,
            };
            await Train("tok-" + stage, options.TokenizerPreset(stage), [.. sets, .. options.TokenizerSets], steps, ct);
            previous = stage;
        }
        var ditSets = new List<string> { $"data={options.BucketsDir}", $"latents={options.RunDir("tok-s3")}" };
        if (!options.IsEmoji)
        {
            string judge = T2I.Core.Eval.SyntheticAttributeClassifier.IsSavedIn(options.Judge) ? options.Judge : "";
            if (judge.Length == 0) log($"No judge at {options.Judge}: the DiT trains its own attribute classifier on the demo data.");
            ditSets.Add($"eval_classifier={judge}");
        }
        await Train("dit", options.DitPreset, [.. ditSets, .. options.DitSets], options.DitSteps, ct);
        await Timed("export", () => Task.FromResult(DemoExport.Write(options.RunDir("dit"), options.ModelDir, options.MaxModelBytes)));
        return Summary();

        async Task<string> EmojiData()
        {
            string marker = Path.Combine(options.RawDir, "_emoji.json");
            if (File.Exists(marker)) return "done before";
            var emoji = new EmojiOptions
            {
                Packages = EmojiPackages.Locate(null), Size = options.IngestResolution, MaxConcepts = options.MaxConcepts,
            }.Validated();
            var report = await ConsoleProgress.RunAsync("emoji", progress => EmojiShards.WriteAsync(
                new LocalBlobStore(options.RawDir), emoji, new EmojiSkips(), progress, ct));
            File.WriteAllText(marker, JsonSerializer.Serialize(new { report.Concepts, report.Pairs, emoji.Size }));
            return $"{report.Pairs} images of {report.Concepts} concepts";
        }

        async Task<string> Synth()
        {
            string marker = Path.Combine(options.RawDir, "_synth.json");
            if (File.Exists(marker)) return "done before";
            var vocabulary = SynthVocabulary.Parse(options.Shapes, options.Colors, options.Backgrounds);
            var store = new LocalBlobStore(options.RawDir);
            await ConsoleProgress.RunAsync("synth", progress => SyntheticShards.WriteAsync(
                store, options.Count, options.Shards, options.Seed, options.DefectShare, vocabulary, progress, ct));
            File.WriteAllText(marker, JsonSerializer.Serialize(new
            {
                options.Count, options.Shards, options.Seed,
                vocabulary = vocabulary.ToString()
            }));
            return $"{options.Count} samples ({vocabulary})";
        }
    }

    private async Task Train(string stage, string preset, IReadOnlyList<string> sets, long? steps, CancellationToken ct)
    {
        var resolved = PresetOverrides.Resolve(preset, sets, steps);
        await Timed(stage, () => ConsoleProgress.RunAsync($"train {stage}", progress => Task.Run(() =>
        {
            var run = new RunOptions(options.RunDir(stage)) { Device = options.Device, Log = log, Progress = progress };
            var result = TrainingLoop.Run(resolved, run, ct); // on cancellation: finishes the step, checkpoints, returns
            if (!result.Completed) throw new OperationCanceledException($"{stage} stopped at step {result.Step}.");
            return $"step {result.Step}";
        })));
    }

    private async Task Timed(string stage, Func<Task<string>> work)
    {
        log($"== {stage}");
        var clock = Stopwatch.StartNew();
        string result;
        try { result = await work(); }
        finally
        {
            timings[stage] = timings.GetValueOrDefault(stage) + clock.Elapsed.TotalSeconds;
            SaveTimings();
        }
        log($"== {stage}: {result} ({clock.Elapsed.TotalSeconds:0} s)");
    }

    /// <summary>The table printed at the end: time per stage and each stage's headline figure.</summary>
    public IReadOnlyList<DemoStageResult> Summary()
    {
        string Eval(string stage, params string[] keys)
        {
            var last = DemoMetrics.LastEval(options.RunDir(stage));
            return string.Join(", ", keys.Where(last.ContainsKey).Select(k => $"{k} {last[k]:0.###}"));
        }
        var rows = new List<DemoStageResult>
        {
            options.IsEmoji ? new("emoji", timings.GetValueOrDefault("emoji"), "real emoji of the npm packages")
                : new("synth", timings.GetValueOrDefault("synth"), $"{options.Count} samples in {options.Shards} shards"),
            new("ingest", timings.GetValueOrDefault("ingest"), DemoMetrics.IngestSummary(options.BucketsDir)),
        };
        foreach (var s in options.TokenizerStages)
            rows.Add(new("tok-" + s, timings.GetValueOrDefault("tok-" + s), s == "pretrain" ? Eval("tok-" + s, "lp_acc/encoder")
                : Eval("tok-" + s, "psnr", "ssim", "lp_acc/latent")));
        rows.Add(new("dit", timings.GetValueOrDefault("dit"), DemoMetrics.GenerationSummary(DemoMetrics.LastEval(options.RunDir("dit")))));
        rows.Add(new("export", timings.GetValueOrDefault("export"), DemoExport.Describe(options.ModelDir)));
        return rows;
    }

    private static Dictionary<string, double> LoadTimings(DemoChainOptions options)
    {
        string path = Path.Combine(options.WorkDir, "timings.json");
        return File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(path)) ?? new() : new();
    }

    private void SaveTimings()
    {
        Directory.CreateDirectory(options.WorkDir);
        string path = Path.Combine(options.WorkDir, "timings.json"), temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(timings, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>Reads back what the stages wrote (metrics.jsonl eval lines, the ingest manifest).</summary>
public static class DemoMetrics
{
    /// <summary>The last line of a run's metrics.jsonl that carries eval/* values, keys without the prefix.</summary>
    public static Dictionary<string, double> LastEval(string runDir)
    {
        string path = Path.Combine(runDir, TrainingLoop.MetricsFile);
        var result = new Dictionary<string, double>();
        if (!File.Exists(path)) return result;
        foreach (var line in File.ReadLines(path))
        {
            if (!line.Contains("\"eval/", StringComparison.Ordinal)) continue;
            result.Clear();
            foreach (var (key, value) in JsonNode.Parse(line)!.AsObject())
                if (key.StartsWith("eval/", StringComparison.Ordinal) && value is JsonValue v && v.TryGetValue<double>(out double d))
                    result[key["eval/".Length..]] = d;
        }
        return result;
    }

    public static string GenerationSummary(IReadOnlyDictionary<string, double> eval)
    {
        var parts = new List<string>();
        foreach (var what in new[] { "color", "shape", "both" })
            if (eval.TryGetValue($"{what}_acc", out double acc))
                parts.Add(eval.TryGetValue($"{what}_prompt_chance", out double chance) || eval.TryGetValue($"{what}_chance", out chance)
                    ? $"{what} {acc:P0} (chance {chance:P0})" : $"{what} {acc:P0}");
        return parts.Count == 0 ? "no generation eval" : "generation accuracy: " + string.Join(", ", parts);
    }

    public static string IngestSummary(string bucketsDir)
    {
        var manifest = IngestManifest.LoadAsync(new LocalBlobStore(bucketsDir), CancellationToken.None).GetAwaiter().GetResult();
        if (manifest is null) return "no manifest";
        return $"{manifest.Shards.Values.Sum(s => s.Kept)} of {manifest.Shards.Values.Sum(s => s.Samples)} kept";
    }
}

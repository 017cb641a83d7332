using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using T2I.Core.Data;
using T2I.Core.Storage;
using T2I.Core.VisualTokenizer;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Training.Tokenizer;

/// <summary>What <c>training eval</c> measures: runs (or checkpoint folders) on one labelled data set.</summary>
public sealed record TokenizerEvalOptions
{
    public required IReadOnlyList<string> Runs { get; init; }
    public required string Data { get; init; }
    public int ShardResolution { get; init; } = 256;
    /// <summary>Base resolution images are resized to (nearest bucket); null = the first run's train_resolution.</summary>
    public int? Resolution { get; init; }
    public int Samples { get; init; } = 512;
    public string[] Fields { get; init; } = ["shape", "color"];
    public string? LpipsWeights { get; init; }
    public required string OutputDir { get; init; }
    public string Device { get; init; } = "cpu";
}

public sealed record TokenizerEvalRow(string Run, string Stage, string Weights, IReadOnlyDictionary<string, double> Metrics);

/// <summary>
/// Evaluates tokenizer runs on the same images: each run's linear-probe accuracy (latents and encoder features,
/// per label field), PSNR, SSIM, LPIPS (only with real weights), CKNNA, and a reconstruction grid per run. Runs of the
/// encoder-pretraining stage give the encoder columns only (their decoder is untrained).
/// </summary>
public static class TokenizerEvalReport
{
    public const string JsonFile = "eval.json";

    public static IReadOnlyList<TokenizerEvalRow> Run(TokenizerEvalOptions options, Action<string> log)
    {
        if (options.Runs.Count == 0) throw new ArgumentException("Give at least one --run.");
        var device = T2I.Core.TorchRuntime.ResolveDevice(options.Device);
        int resolution = options.Resolution ?? PresetValue(options.Runs[0], "train_resolution")?.GetValue<int>() ?? 256;
        var reader = BucketBatchReader.OpenAsync(BlobStores.Open(options.Data), options.ShardResolution,
            new BucketBatchOptions(8, Seed: 0, DropLast: false)).GetAwaiter().GetResult();
        using var set = TokenizerEvalSet.Read(reader, resolution, options.Samples, options.Fields);
        log($"data: {set.Count} images from {options.Data} (res{options.ShardResolution} → nearest res{resolution} bucket)");
        using var lpips = Lpips.TryLoad(options.LpipsWeights)?.to(device);
        // One fixed encoder every tokenizer kind is compared against (a KL-VAE has no encoder of its own): ImageNet ResNet-18.
        using var reference = new T2I.Core.VisualTokenizer.VfmVae.ResNetVfm([3]);
        reference.LoadPretrained();
        reference.to(device);
        // Without LPIPS weights the uncalibrated ResNet-18 distance the emoji presets train with stands in, under its own name.
        using var resnetPerceptual = lpips is null ? T2I.Core.VisualTokenizer.Losses.ResNetPerceptualDistance.FromPackage().to(device)
            : null;
        if (lpips is null) log("LPIPS: not measured (no --lpips-weights); resnet_perceptual is the ResNet-18 distance instead");
        Directory.CreateDirectory(options.OutputDir);

        var rows = new List<TokenizerEvalRow>();
        for (int i = 0; i < options.Runs.Count; i++)
        {
            string run = options.Runs[i];
            string stage = PresetValue(run, "stage")?.GetValue<string>() ?? "?";
            using var tokenizer = MeasuredTokenizer.Open(run, device);
            if (stage == "?") stage = tokenizer.Kind;
            using var measurement = TokenizerMeasurement.Run(tokenizer, set, device, encoderOnly: stage == "encoder-pretrain",
                (nn.Module<Tensor, Tensor, Tensor>?)lpips ?? resnetPerceptual, x => reference.Features(x)[0],
                lpips is null ? "resnet_perceptual" : "lpips");
            measurement.SaveGrid(Path.Combine(options.OutputDir,
                $"{i:00}-{Path.GetFileName(Path.TrimEndingDirectorySeparator(run))}-reconstructions.png"));
            var row = new TokenizerEvalRow(run, stage, tokenizer.WeightsFile, measurement.Metrics(set));
            rows.Add(row);
            log($"{run}: " + string.Join(", ", row.Metrics.Select(m =>
                $"{m.Key} {m.Value.ToString("0.###", CultureInfo.InvariantCulture)}")));
        }
        WriteJson(options, resolution, set.Count, rows);
        return rows;
    }

    /// <summary>Fixed-width table: one row per run, LP columns per field, then PSNR / SSIM / LPIPS / CKNNA.</summary>
    public static string Table(IReadOnlyList<TokenizerEvalRow> rows, IReadOnlyList<string> fields)
    {
        var columns = new List<(string Header, string Key, string Format)>();
        foreach (string f in fields) columns.Add(($"LP lat {f}", $"lp_acc/latent/{f}", "0.000"));
        foreach (string f in fields) columns.Add(($"LP enc {f}", $"lp_acc/encoder/{f}", "0.000"));
        columns.AddRange([("PSNR", "psnr", "0.00"), ("SSIM", "ssim", "0.000"), ("LPIPS", "lpips", "0.000"),
            ("R18 perc", "resnet_perceptual", "0.000"), ("CKNNA", "cknna/latent_vs_encoder", "0.000"),
            ("CKNNA R18", "cknna/latent_vs_resnet18", "0.000"),
            ("SE-CKNNA R18", "se_cknna/latent_vs_resnet18", "0.000")]);
        int nameWidth = Math.Max(12, rows.Max(r => Path.GetFileName(Path.TrimEndingDirectorySeparator(r.Run)).Length));
        var text = new StringBuilder();
        text.Append("run".PadRight(nameWidth)).Append("  stage           ");
        foreach (var c in columns) text.Append(c.Header.PadLeft(Math.Max(9, c.Header.Length + 2)));
        text.AppendLine();
        foreach (var r in rows)
        {
            text.Append(Path.GetFileName(Path.TrimEndingDirectorySeparator(r.Run)).PadRight(nameWidth))
                .Append("  ").Append(r.Stage.PadRight(16));
            foreach (var c in columns)
                text.Append((r.Metrics.TryGetValue(c.Key, out double v) ? v.ToString(c.Format, CultureInfo.InvariantCulture) : "—")
                    .PadLeft(Math.Max(9, c.Header.Length + 2)));
            text.AppendLine();
        }
        return text.ToString();
    }

    /// <summary>A value of the run's effective preset (<c>preset.json</c> → config, then loop), or null.</summary>
    private static JsonNode? PresetValue(string run, string key)
    {
        string path = Path.Combine(run, "preset.json");
        if (!File.Exists(path)) return null;
        var preset = JsonNode.Parse(File.ReadAllText(path));
        return preset?["config"]?[key] ?? preset?["loop"]?[key];
    }

    private static void WriteJson(TokenizerEvalOptions options, int resolution, int samples, IReadOnlyList<TokenizerEvalRow> rows)
    {
        var json = new JsonObject
        {
            ["data"] = options.Data, ["resolution"] = resolution, ["samples"] = samples,
            ["runs"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
            {
                ["run"] = r.Run, ["stage"] = r.Stage, ["weights"] = r.Weights,
                ["metrics"] = new JsonObject(r.Metrics.Select(m => KeyValuePair.Create(m.Key, double.IsFinite(m.Value)
                    ? (JsonNode?)JsonValue.Create(m.Value) : null))),
            }).ToArray()),
        };
        string path = Path.Combine(options.OutputDir, JsonFile), temp = path + ".tmp";
        File.WriteAllText(temp, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, path, overwrite: true);
    }
}

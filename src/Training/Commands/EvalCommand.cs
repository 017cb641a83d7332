using System.CommandLine;
using T2I.Training.Tokenizer;

namespace T2I.Training.Commands;

/// <summary><c>training eval --run RUN --data SHARDS</c>: tokenizer quality and semantics on labelled bucketed shards.</summary>
public static class EvalCommand
{
    public static Command Build()
    {
        var runs = new Option<string[]>("--run")
        {
            Description = "Tokenizer run folder or checkpoint folder; repeat for a table " +
            "of runs.", Required = true, AllowMultipleArgumentsPerToken = true
        };
        var data = new Option<string>("--data")
        {
            Description = "Bucketed shards (DataPrep output): a folder or " +
            "s3://bucket/prefix.", Required = true
        };
        var shardRes = new Option<int>("--shard-resolution")
        {
            Description = "res{N} folder of the shards.",
            DefaultValueFactory = _ => 256
        };
        var resolution = new Option<int?>("--resolution")
        {
            Description = "Resize images to the nearest bucket of this base " +
            "resolution (default: the first run's train_resolution)."
        };
        var samples = new Option<int>("--samples")
        {
            Description = "Images to evaluate (linear probes use a 75/25 train/held-out " +
            "split of them).", DefaultValueFactory = _ => 512
        };
        var fields = new Option<string[]>("--fields")
        {
            Description = "Label fields of the shard json to probe.",
            DefaultValueFactory = _ => ["shape", "color"], AllowMultipleArgumentsPerToken = true
        };
        var lpips = new Option<string?>("--lpips-weights") { Description = "LPIPS-VGG safetensors; without them LPIPS is not reported." };
        var outDir = new Option<string?>("--out")
        {
            Description = "Folder for eval.json and reconstruction grids (default: " +
            "FIRST_RUN/eval-report)."
        };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | cuda:N.", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--threads")
        {
            Description = "CPU threads for torch (0 = torch's default).",
            DefaultValueFactory = _ => 0
        };
        var command = new Command("eval",
            "Evaluate tokenizer runs: linear-probe accuracy of latents and encoder features, PSNR, SSIM, LPIPS, CKNNA, " +
            "reconstruction grids.")
        {
            runs, data, shardRes, resolution, samples, fields, lpips, outDir, device, threads,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var runList = parse.GetRequiredValue(runs);
            var fieldList = parse.GetValue(fields) ?? ["shape", "color"];
            if (parse.GetValue(samples) < 16)
            {
                error.WriteLine("--samples must be at least 16.");
                return LaunchCommand.ExitUsage;
            }
            if (parse.GetValue(threads) > 0) TorchSharp.torch.set_num_threads(parse.GetValue(threads));
            var options = new TokenizerEvalOptions
            {
                Runs = runList, Data = parse.GetRequiredValue(data), ShardResolution = parse.GetValue(shardRes),
                Resolution = parse.GetValue(resolution), Samples = parse.GetValue(samples), Fields = fieldList,
                LpipsWeights = parse.GetValue(lpips), Device = parse.GetValue(device) ?? "auto",
                OutputDir = parse.GetValue(outDir) ?? Path.Combine(runList[0], "eval-report"),
            };
            try
            {
                var rows = TokenizerEvalReport.Run(options, output.WriteLine);
                output.WriteLine();
                output.Write(TokenizerEvalReport.Table(rows, fieldList));
                output.WriteLine($"wrote {Path.Combine(options.OutputDir, TokenizerEvalReport.JsonFile)}");
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or InvalidDataException or ArgumentException)
            {
                error.WriteLine($"eval: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}

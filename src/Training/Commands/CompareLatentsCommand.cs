using System.CommandLine;
using T2I.Cli;
using T2I.Training.Presets;
using T2I.Training.Loop;
using T2I.Training.Dit;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training compare-latents --arm aligned=runs/tok-tiny-s3 --arm kl-vae=runs/kl-vae-tiny --data data/buckets</c>:
/// the same DiT preset on each arm's latents, generation accuracy at every evaluation, table + plot. Rerunning resumes.
/// </summary>
public static class CompareLatentsCommand
{
    public static Command Build()
    {
        var arms = new Option<string[]>("--arm")
        {
            Description = "NAME=CODEC_FOLDER (two or more).",
            AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.OneOrMore, Required = true
        };
        var preset = new Option<string>("--preset") { Description = "DiT preset every arm trains.", DefaultValueFactory = _ => "t2i-tiny" };
        var outDir = new Option<string>("--out")
        {
            Description = "Output folder (one run folder per arm, judge/, comparison.*).",
            DefaultValueFactory = _ => "runs/compare-latents"
        };
        var classifier = new Option<string?>("--classifier")
        {
            Description = "Attribute classifier folder (default: train one on " +
            "the data, once)."
        };
        var set = new Option<string[]>("--set")
        {
            Description = "Preset overrides for every arm (data=, steps=, eval_every=…).",
            Arity = ArgumentArity.ZeroOrMore
        };
        var only = new Option<string[]>("--only")
        {
            Description = "Train just these arms (one process per arm, one core each) and " +
            "write no table; rerun without --only for the table. Needs --classifier.", Arity = ArgumentArity.ZeroOrMore
        };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | cuda:N.", DefaultValueFactory = _ => "auto" };
        var command = new Command("compare-latents",
            "Train the same DiT on several codecs' latents and compare generation accuracy (aligned vs KL-VAE).")
        {
            arms, preset, outDir, classifier, set, only, device,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            Preset<DitTrainConfig> resolved;
            List<ComparisonArm> parsed;
            try
            {
                resolved = PresetOverrides.Resolve(parse.GetValue(preset)!, parse.GetValue(set) ?? [], null) as Preset<DitTrainConfig>
                    ?? throw new ArgumentException($"preset '{parse.GetValue(preset)}' is not a DiT preset.");
                parsed = (parse.GetValue(arms) ?? []).Select(ComparisonArm.Parse).ToList();
            }
            catch (Exception e) when (e is KeyNotFoundException or ArgumentException)
            {
                error.WriteLine(e.Message);
                return 2;
            }
            string dir = parse.GetValue(outDir)!;
            try
            {
                string[]? subset = parse.GetValue(only) is { Length: > 0 } names ? names : null;
                var result = await ConsoleProgress.RunAsync("compare-latents", progress => Task.Run(() =>
                    LatentComparison.Run(resolved, parsed, dir, parse.GetValue(device)!, parse.GetValue(classifier), progress,
                        error.WriteLine, cancel, subset)));
                if (result is null)
                {
                    output.WriteLine($"Trained {string.Join(", ", subset!)} in {dir}; rerun without --only once every arm has " +
                        $"finished to write the table.");
                    return 0;
                }
                output.WriteLine(File.ReadAllText(result.TablePath));
                output.WriteLine($"Table: {result.TablePath}; plot: {result.PlotPath}");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or DirectoryNotFoundException
                or FileNotFoundException or OperationCanceledException)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}

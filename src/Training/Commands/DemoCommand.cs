using System.CommandLine;
using System.Runtime.InteropServices;
using T2I.Training.Demo;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training demo</c>: the whole demo chain in one command (see <see cref="DemoChain"/>), resumable by rerunning,
/// with a summary table at the end.
/// </summary>
public static class DemoCommand
{
    public static Command Build()
    {
        var recipe = new Option<string>("--recipe")
        {
            Description = "synth: coloured shapes, the built-in text encoder (models/t2i-demo); emoji: real emoji, the " +
                "packaged ResNet-18 and MiniLM (models/t2i-emoji).",
            DefaultValueFactory = _ => DemoChainOptions.Synthetic,
        };
        var work = new Option<string?>("--work-dir")
        {
            Description = "Work folder (raw/, buckets/, runs/, timings.json; default " +
            "runs/demo, or runs/demo-emoji)."
        };
        var model = new Option<string?>("--model")
        {
            Description = "Exported model folder (default models/t2i-demo, or " +
            "models/t2i-emoji)."
        };
        var count = new Option<int>("--count")
        {
            Description = "Synthetic samples.", DefaultValueFactory = _ =>
            new DemoChainOptions().Count
        };
        var maxConcepts = new Option<int?>("--max-concepts") { Description = "Emoji: only the first N concepts (a quick run)." };
        var tokSteps = new Option<string?>("--tokenizer-steps")
        {
            Description = "Steps of pretrain,s1,s2,s3 (emoji: s1,s2,s3; default: " +
            "the presets'), e.g. 100,100,60,60."
        };
        var ditSteps = new Option<long?>("--dit-steps") { Description = "DiT steps (default: t2i-tiny-aligned's or t2i-emoji's)." };
        var tokSet = new Option<string[]>("--tokenizer-set")
        {
            Description = "Extra --set for every tokenizer stage.",
            AllowMultipleArgumentsPerToken = true
        };
        var ditSet = new Option<string[]>("--dit-set")
        {
            Description = "Extra --set for the DiT stage.",
            AllowMultipleArgumentsPerToken = true
        };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | cuda:N.", DefaultValueFactory = _ => "auto" };
        var command = new Command("demo",
            "Build the demo model from nothing: synth → ingest (256) → tokenizer pretrain, s1, s2, s3 → DiT (128 px) → export; " +
            "--recipe emoji: emoji → ingest (64) → s1, s2, s3 → DiT (64 px, MiniLM) → export. Rerun to resume.")
        {
            recipe, work, model, count, maxConcepts, tokSteps, ditSteps, tokSet, ditSet, device,
            GenerateBenchCommand.Build(),
            DemoExportCommand.Build(),
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            bool emoji = parse.GetValue(recipe) == DemoChainOptions.Emoji;
            var stageNames = new DemoChainOptions { Recipe = emoji ? DemoChainOptions.Emoji : DemoChainOptions.Synthetic }.TokenizerStages;
            long?[] steps = [null, null, null, null];
            if (parse.GetValue(tokSteps) is { Length: > 0 } list)
            {
                var parts = list.Split(',');
                if (parts.Length != stageNames.Count || !parts.All(p => long.TryParse(p, out long n) && n > 0))
                {
                    error.WriteLine($"--tokenizer-steps needs {stageNames.Count} positive step counts: {string.Join(',', stageNames)}.");
                    return LaunchCommand.ExitUsage;
                }
                if (emoji) parts = ["1", .. parts]; // no pretraining stage: the ResNet-18 comes pretrained
                steps = parts.Select(p => (long?)long.Parse(p)).ToArray();
            }
            var options = new DemoChainOptions
            {
                Recipe = parse.GetValue(recipe)!,
                WorkDir = parse.GetValue(work) ?? (emoji ? "runs/demo-emoji" : "runs/demo"),
                ModelDir = parse.GetValue(model) ?? (emoji ? "models/t2i-emoji" : "models/t2i-demo"), Count = parse.GetValue(count),
                Device = parse.GetValue(device)!, MaxConcepts = parse.GetValue(maxConcepts),
                PretrainSteps = steps[0], S1Steps = steps[1], S2Steps = steps[2], S3Steps = steps[3], DitSteps = parse.GetValue(ditSteps),
                TokenizerSets = parse.GetValue(tokSet) ?? [], DitSets = parse.GetValue(ditSet) ?? [],
            };
            // SIGTERM / Ctrl+C: the running stage finishes its step and checkpoints (a rerun resumes there).
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            void OnSignal(PosixSignalContext c)
            {
                if (stop.IsCancellationRequested) return;
                c.Cancel = true;
                error.WriteLine($"{c.Signal}: finishing the current step and writing a checkpoint.");
                stop.Cancel();
            }
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            try
            {
                var rows = await new DemoChain(options, error.WriteLine).RunAsync(stop.Token);
                Print(rows, output);
                output.WriteLine($"Model: {Path.GetFullPath(options.ModelDir)} (web: --T2I:Model={options.ModelDir})");
                return 0;
            }
            catch (Exception e) when (e is KeyNotFoundException or ArgumentException)
            {
                error.WriteLine(e.Message);
                return LaunchCommand.ExitUsage;
            }
            catch (OperationCanceledException e)
            {
                error.WriteLine($"Stopped: {e.Message} Rerun the same command to resume.");
                return 1;
            }
        });
        return command;
    }

    public static void Print(IReadOnlyList<DemoStageResult> rows, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"| {"stage",-12} | {"time",9} | result");
        output.WriteLine($"|{new string('-', 14)}|{new string('-', 11)}|{new string('-', 40)}");
        foreach (var r in rows) output.WriteLine($"| {r.Stage,-12} | {TimeSpan.FromSeconds(r.Seconds):h\\:mm\\:ss} | {r.Result}");
        output.WriteLine($"| {"total",-12} | {TimeSpan.FromSeconds(rows.Sum(r => r.Seconds)):h\\:mm\\:ss} |");
    }
}

using System.CommandLine;
using System.Globalization;
using T2I.Core;
using T2I.Training.Dit;
using T2I.Training.Judging;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training compare-judged --arm aligned=runs/t2i-emoji --arm kl-vae=runs/t2i-emoji-klvae --steps 1000,2000,3000</c>:
/// DiT runs that differ in their latents, judged by the concept judge at the same steps, table + plot. Rerunning resumes.
/// </summary>
public static class CompareJudgedCommand
{
    public static Command Build()
    {
        var arms = new Option<string[]>("--arm")
        {
            Description = "NAME=DIT_RUN_FOLDER (one or more).", Arity = ArgumentArity.OneOrMore, Required = true,
        };
        var steps = new Option<string>("--steps") { Description = "Comma-separated DiT steps to judge.", Required = true };
        var judge = new Option<string>("--judge")
        {
            Description = "Concept judge folder.", DefaultValueFactory = _ => "models/judge-emoji",
        };
        var perPrompt = new Option<int>("--per-prompt") { Description = "Seeds per prompt.", DefaultValueFactory = _ => 4 };
        var sampleSteps = new Option<int>("--sample-steps") { Description = "DDIM steps per image.", DefaultValueFactory = _ => 20 };
        var guidance = new Option<double>("--cfg") { Description = "CFG scale.", DefaultValueFactory = _ => 5.0 };
        var outDir = new Option<string>("--out")
        {
            Description = "Output folder (cells/, comparison.md/json/png).", DefaultValueFactory = _ => "runs/compare-judged",
        };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 1 };
        var command = new Command("compare-judged",
            "Judge several DiT runs (same preset, different latents) at the same steps with the concept judge: table and plot.")
        {
            arms, steps, judge, perPrompt, sampleSteps, guidance, outDir, threads,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            TorchRuntime.SetThreads(parse.GetValue(threads));
            try
            {
                var parsed = parse.GetRequiredValue(arms).Select(ComparisonArm.Parse).ToList();
                var stepList = parse.GetRequiredValue(steps)
                    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToList();
                var rows = JudgedComparison.Run(parsed, stepList, parse.GetRequiredValue(judge), parse.GetValue(perPrompt),
                    parse.GetValue(sampleSteps), parse.GetValue(guidance), parse.GetRequiredValue(outDir), error.WriteLine);
                output.Write(JudgedComparison.Table(rows, parsed, parse.GetValue(perPrompt), parse.GetValue(sampleSteps),
                    parse.GetValue(guidance)));
                output.WriteLine($"wrote {Path.Combine(parse.GetRequiredValue(outDir), "comparison.md")} and comparison.png");
                return 0;
            }
            catch (Exception e) when (e is IOException or ArgumentException or FormatException or InvalidDataException)
            {
                error.WriteLine($"compare-judged: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}

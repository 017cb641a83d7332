using T2I.Tests.Readme;

namespace T2I.EndToEnd.Tests.Readme;

/// <summary>
/// How the README walk caps a line that would run for minutes: each subcommand's caps are options whose value is
/// replaced where the line gives one and appended where it does not, so everything else runs as written. A subcommand
/// in neither table fails the walk, so a new long-running line cannot slip in uncapped.
/// </summary>
public static class ReadmeWalkLimits
{
    /// <summary>Lines that finish in seconds as written.</summary>
    private static readonly HashSet<string> Cheap = ["presets", "ingest", "demo export", "encode-latents"];

    /// <summary>Subcommand (its first one or two words) → the options that cap it.</summary>
    private static readonly Dictionary<string, string[]> Caps = new()
    {
        ["emoji"] = ["--max-concepts", "6"],
        ["synth"] = ["--count", "96"],
        // Two steps, one eval batch or prompt of two steps: every stage still checkpoints, evaluates and resumes.
        ["launch"] = ["--steps", "2"],
        ["bench"] = ["--steps", "1", "--warmup", "0", "--gemm-size", "128"],
        ["bench-sampling"] = ["--steps", "2"],
        ["demo bench"] = ["--steps", "2", "--repeats", "1"],
        ["eval"] = ["--samples", "16"],
        ["compare-latents"] = [],
        ["codec-ceiling"] = ["--max", "8"],
        ["conv-bench"] = ["--reps", "1", "--batch", "1"],
        ["train-judge"] = ["--epochs", "1", "--limit", "32"],
        ["train-concept-judge"] = ["--limit", "60", "--epochs", "1"],
        ["collective-bench"] = ["--sizes", "4KiB", "--seconds", "0.1"],
        ["demo"] = ["--count", "120", "--tokenizer-steps", "2,2,2,2", "--dit-steps", "2"],
        ["gen-accuracy"] = ["--per-prompt", "1", "--steps", "2"],
        ["compare-judged"] = ["--steps", "2", "--per-prompt", "1", "--sample-steps", "2"],
    };

    /// <summary>Per-kind preset caps, passed as <c>--set</c> (later ones win) to <c>launch</c> and DiT trainings.</summary>
    private static string[] PresetCaps(string preset) => preset switch
    {
        _ when preset.StartsWith("tok-", StringComparison.Ordinal) || preset.StartsWith("kl-vae", StringComparison.Ordinal)
            || preset.StartsWith("vfm-vae", StringComparison.Ordinal) => ["threads=1", "batch_size=8", "eval_batches=1"],
        _ when preset.StartsWith("t2i", StringComparison.Ordinal) => ["threads=1", "batch_size=8", "eval_prompts=1", "eval_steps=2"],
        _ => ["threads=1", "batch_size=8"],
    };

    /// <summary>A line with a <c>&lt;placeholder&gt;</c> is a template the user fills in: only parsed, never run.</summary>
    public static bool IsTemplate(ReadmeCommand line) => line.Args.Any(a => a.Contains('<'));

    /// <summary>The line's arguments with its caps applied.</summary>
    public static string[] Capped(ReadmeCommand line)
    {
        string[] args = line.Args;
        if (args.Contains("--dry-run") || Cheap.Contains(Subcommand(args))) return args;
        if (!Caps.TryGetValue(Subcommand(args), out var caps))
            throw new InvalidOperationException($"{line}: the README walk has no cap for '{Subcommand(args)}' (add one, or list it as cheap)");

        var result = args.ToList();
        if (Subcommand(args) == "demo" && Value(args, "--recipe") == "emoji")
            caps = ["--max-concepts", "6", "--tokenizer-steps", "2,2,2", "--dit-steps", "2"];
        for (int i = 0; i < caps.Length; i += 2) Replace(result, caps[i], caps[i + 1]);
        if (args[0] is "launch" or "bench")
            foreach (string set in PresetCaps(args[1])) result.AddRange(["--set", set]);
        if (args[0] == "compare-latents")
            foreach (string set in PresetCaps("t2i").Append("steps=2")) result.AddRange(["--set", set]);
        if (Subcommand(args) == "demo")
            result.AddRange(["--tokenizer-set", "eval_batches=1", "--dit-set", "batch_size=8", "--dit-set", "eval_prompts=1", "--dit-set", "eval_steps=2"]);
        return [.. result];
    }

    private static string Subcommand(string[] args) =>
        args.Length > 1 && !args[1].StartsWith('-') && (Caps.ContainsKey($"{args[0]} {args[1]}") || Cheap.Contains($"{args[0]} {args[1]}"))
            ? $"{args[0]} {args[1]}"
            : args[0];

    private static string? Value(string[] args, string option) =>
        Array.IndexOf(args, option) is >= 0 and var at && at + 1 < args.Length ? args[at + 1] : null;

    private static void Replace(List<string> args, string option, string value)
    {
        int at = args.IndexOf(option);
        if (at >= 0 && at + 1 < args.Count) args[at + 1] = value;
        else args.AddRange([option, value]);
    }
}

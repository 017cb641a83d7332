using System.CommandLine;
using System.Diagnostics;
using T2I.Tests.Readme;
using Xunit.Abstractions;

namespace T2I.EndToEnd.Tests.Readme;

/// <summary>
/// Walks the README's data and training lines in the order it shows them, in a fresh folder holding only what a clone
/// ships (<c>models/</c>), exactly as written except for <see cref="ReadmeWalkLimits"/>: a line that trains, draws or
/// benchmarks runs with its step or sample count capped. Each line must exit 0 on what the lines above it made, so a
/// line that needs a folder nothing has made, or a renamed option, fails here instead of for a newcomer.
/// </summary>
[Collection(Name)]
public sealed class ReadmeWalkTests(ITestOutputHelper log) : IDisposable
{
    // The walk changes the working directory, which is process-wide: nothing else in this assembly may run meanwhile.
    public const string Name = "readme-walk";

    /// <summary>Its blocks open with the script that makes their inputs (an hour here): parsed by the CLI tests, not walked.</summary>
    private const string Reproductions = "The papers' claims in miniature";
    private readonly string root = Directory.CreateTempSubdirectory("t2i-readme-walk-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task EveryDataAndTrainingLineRunsInOrderOnAFreshFolder()
    {
        CopyShippedModels(Path.Combine(ReadmeCommands.RepoRoot(), "models"), Path.Combine(root, "models"));
        var lines = ReadmeCommands.Of("dataprep").Concat(ReadmeCommands.Of("training"))
            .Where(c => c.File == "README.md" && c.Section != Reproductions).OrderBy(c => c.Order).ToList();
        var walked = new List<string>();
        var started = DateTime.UtcNow;
        string previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = root;
        try
        {
            foreach (var line in lines)
            {
                if (ReadmeWalkLimits.IsTemplate(line)) continue;
                string[] args = ReadmeWalkLimits.Capped(line);
                var clock = Stopwatch.StartNew();
                var (code, output, error) = await RunAsync(line.Tool, args);
                log.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  {line.Tool} {string.Join(' ', args)}");
                Assert.True(code == 0, $"{line}\nran as: {line.Tool} {string.Join(' ', args)}\nexit {code}\n{error}\n{Tail(output)}");
                walked.Add(line.Args[0]);
            }
        }
        finally { Environment.CurrentDirectory = previous; }

        // A parser that silently found few lines would make this walk vacuous.
        Assert.True(walked.Count >= 20, $"walked only {walked.Count} lines: {string.Join(", ", walked)}");
        Assert.Superset(new HashSet<string> { "emoji", "synth", "ingest", "launch", "eval", "demo", "compare-latents" }, walked.ToHashSet());
        // What the lines say they write is there: an exported DiT run, the judge, the demo chain's model (over the copy).
        foreach (string written in new[] { "models/t2i-x/model.safetensors", "models/judge-mine/judge.json", "runs/tok-tiny-s3" })
            Assert.True(Path.Exists(Path.Combine(root, written)), $"the walk wrote no {written}");
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(root, "models/t2i-demo/model.safetensors")) > started,
            "`training demo` did not write models/t2i-demo");
    }

    [Fact]
    public void CappedLinesKeepTheirArgumentsAndOverrideOnlyTheCaps()
    {
        var launch = new ReadmeCommand("training", ["launch", "t2i-tiny", "--set", "steps=200", "--set", "data=d"], "README.md", "", 0);
        Assert.Equal(["launch", "t2i-tiny", "--set", "steps=200", "--set", "data=d", "--steps", "2", "--set", "threads=1", "--set", "batch_size=8"],
            ReadmeWalkLimits.Capped(launch).Take(12));
        var synth = new ReadmeCommand("dataprep", ["synth", "--output", "o", "--count", "2000", "--seed", "1"], "README.md", "", 0);
        Assert.Equal(["synth", "--output", "o", "--count", "96", "--seed", "1"], ReadmeWalkLimits.Capped(synth));
        // A new long-running subcommand shown in the README must get a cap (or be declared cheap) before it can walk.
        var unknown = new ReadmeCommand("training", ["brand-new", "--x"], "README.md", "", 0);
        Assert.Throws<InvalidOperationException>(() => ReadmeWalkLimits.Capped(unknown));
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(string tool, string[] args)
    {
        // `--nproc N` re-executes the program under mpirun, which needs the real CLI, not this test host.
        if (tool == "training" && args.Contains("--nproc")) return await RunProcessAsync("training.dll", args);
        RootCommand tree = tool switch
        {
            "training" => T2I.Training.Program.BuildRoot(),
            "dataprep" => T2I.DataPrep.Program.BuildRoot(),
            _ => throw new InvalidOperationException($"the walk has no tool '{tool}'"),
        };
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await tree.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private static async Task<(int Code, string Out, string Err)> RunProcessAsync(string dll, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "…" + text[^4000..];

    /// <summary>The shipped model folders, copied: the walk's `demo` line writes <c>models/t2i-demo</c> and must not touch the clone's.</summary>
    private static void CopyShippedModels(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

[CollectionDefinition(ReadmeWalkTests.Name, DisableParallelization = true)]
public sealed class ReadmeWalkCollection;

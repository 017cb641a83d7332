using System.Text.RegularExpressions;

namespace T2I.Tests.Readme;

/// <summary>
/// One CLI invocation shown in a README's ```bash block: which tool, its arguments, the line as written, where it
/// starts in the file (the README's order, which a walk follows) and the heading it is under.
/// </summary>
public sealed record ReadmeCommand(string Tool, string[] Args, string File, string Line, int Order, string Section = "")
{
    public override string ToString() => $"{File}: {Line}";
}

/// <summary>
/// Reads the command lines of the READMEs' ```bash blocks, so tests can parse (and cheaply run) each of them against the
/// real command tree: a renamed subcommand or option then fails a test instead of a newcomer. Linked into the test
/// projects of both CLIs (each checks its own tool's lines).
/// </summary>
public static partial class ReadmeCommands
{
    /// <summary>The READMEs walked, relative to the repository root.</summary>
    public static readonly string[] Files = ["README.md", "src/DataPrep/README.md"];

    /// <summary>The repository root: the first folder above the test binaries holding T2I.sln.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "T2I.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no T2I.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Every invocation of <paramref name="tool"/> (`dotnet run --project src/Training -- …` or `training …`).</summary>
    public static IReadOnlyList<ReadmeCommand> Of(string tool)
    {
        string root = RepoRoot();
        return Files.SelectMany(f => Parse(File.ReadAllText(Path.Combine(root, f)), f)).Where(c => c.Tool == tool).ToList();
    }

    /// <summary>The commands of one README's ```bash blocks (continuation lines joined, comments dropped).</summary>
    public static IEnumerable<ReadmeCommand> Parse(string markdown, string file)
    {
        bool inBlock = false;
        string pending = "";
        int number = 0, start = 0;
        string section = "";
        foreach (string raw in markdown.Split('\n'))
        {
            number++;
            string line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inBlock = !inBlock && line.Trim() == "```bash";
                pending = "";
                continue;
            }
            if (!inBlock)
            {
                if (line.StartsWith('#')) section = line.TrimStart('#').Trim();
                continue;
            }
            string code = StripComment(line).TrimEnd();
            if (pending.Length == 0) start = number;
            if (code.EndsWith('\\')) { pending += code[..^1] + " "; continue; }
            string whole = (pending + code).Trim();
            pending = "";
            if (ToCommand(whole, file, start) is { } command) yield return command with { Section = section };
        }
    }

    private static ReadmeCommand? ToCommand(string line, string file, int order)
    {
        var m = Invocation().Match(line);
        if (!m.Success) return null;
        string tool = m.Groups["project"].Success ? ToolOf(m.Groups["project"].Value) : m.Groups["bare"].Value;
        // [--option VALUE] marks an optional part: its tokens are still checked against the command tree.
        string[] args = m.Groups["args"].Value.Replace("[", " ").Replace("]", " ")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new ReadmeCommand(tool, args, file, line, order);
    }

    private static string ToolOf(string project) => project switch
    {
        "src/Training" => "training",
        "src/DataPrep" => "dataprep",
        _ => project,
    };

    /// <summary>Drops a trailing `# comment` (a # after whitespace; the READMEs quote no #).</summary>
    private static string StripComment(string line)
    {
        if (line.TrimStart().StartsWith('#')) return "";
        int at = line.IndexOf(" #", StringComparison.Ordinal);
        return at < 0 ? line : line[..at];
    }

    [GeneratedRegex(@"^(?:dotnet run --project (?<project>\S+)(?: -c \w+)? --|(?<bare>training|dataprep))(?<args>(?: .*)?)$")]
    private static partial Regex Invocation();
}

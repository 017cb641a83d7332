using T2I.Tests.Readme;

namespace T2I.Training.Tests.Readme;

/// <summary>The README's `training` lines against the real command tree, so they cannot drift from the code.</summary>
public class ReadmeTrainingCommandsTests
{
    public static TheoryData<string> Lines() => new(ReadmeCommands.Of("training").Select(c => c.Line));

    [Fact]
    public void TheReadmeShowsTheTrainingCommands()
    {
        var commands = ReadmeCommands.Of("training");
        // A parser that silently found nothing would make the theory below vacuous.
        Assert.True(commands.Count >= 15, $"found only {commands.Count} training lines");
        Assert.Contains(commands, c => c.Args is ["launch", "t2i-256", "--dry-run"]);
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public void EachLineParsesWithoutErrors(string line)
    {
        var command = ReadmeCommands.Of("training").First(c => c.Line == line);
        var errors = Program.BuildRoot().Parse(command.Args).Errors;
        Assert.True(errors.Count == 0, $"{command}: {string.Join("; ", errors.Select(e => e.Message))}");
    }

    [Theory]
    [InlineData("presets", "t2i-256")]
    [InlineData("launch t2i-256 --dry-run", "Memory estimate:")]
    public async Task CheapLinesRunAsWritten(string args, string expected)
    {
        // Exactly as the README writes them (no extra options): these two write nothing.
        var command = ReadmeCommands.Of("training").Single(c => string.Join(' ', c.Args) == args);
        var (code, output, err) = await TrainingCli.Invoke(command.Args);
        Assert.True(code == 0, $"{command}: {err}");
        Assert.Contains(expected, output);
    }

    [Fact]
    public void ParsingFollowsContinuationsCommentsAndOptionalParts()
    {
        const string markdown = "text\n```bash\ndotnet run --project src/Training -c Release -- a --x 1 \\\n  --y 2   # note\n" +
                                "# a comment\ntraining b [--z 3]\ndotnet run --project src/T2I.Web --urls u\n```\n" +
                                "```json\ntraining c\n```\n";
        var parsed = ReadmeCommands.Parse(markdown, "m.md").ToList();
        Assert.Equal([["a", "--x", "1", "--y", "2"], ["b", "--z", "3"]], parsed.Select(c => c.Args));
        Assert.All(parsed, c => Assert.Equal("training", c.Tool));
    }
}

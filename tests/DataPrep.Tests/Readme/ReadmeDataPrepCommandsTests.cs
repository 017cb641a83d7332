using T2I.Tests.Readme;

namespace T2I.DataPrep.Tests.Readme;

/// <summary>The READMEs' `dataprep` lines against the real command tree, so they cannot drift from the code.</summary>
public class ReadmeDataPrepCommandsTests
{
    public static TheoryData<string> Lines() => new(ReadmeCommands.Of("dataprep").Select(c => c.Line));

    [Fact]
    public void TheReadmesShowEveryDataPrepSubcommand()
    {
        var shown = ReadmeCommands.Of("dataprep").Select(c => c.Args.FirstOrDefault()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "synth", "emoji", "ingest", "stats", "bench" }, shown);
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public void EachLineParsesWithoutErrors(string line)
    {
        var command = ReadmeCommands.Of("dataprep").First(c => c.Line == line);
        var errors = Program.BuildRoot().Parse(command.Args).Errors;
        Assert.True(errors.Count == 0, $"{command}: {string.Join("; ", errors.Select(e => e.Message))}");
    }
}

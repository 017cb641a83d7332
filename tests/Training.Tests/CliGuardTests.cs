using System.CommandLine;
using T2I.Cli;

namespace T2I.Training.Tests;

public class CliGuardTests
{
    [Fact]
    public async Task BenchOnAFreshCloneSaysWhatToTrainFirstInOneLine()
    {
        using var tmp = new Loop.TempDir();
        var output = new StringWriter();
        var error = new StringWriter();
        string latents = tmp.Sub("tok-tiny-s3");
        int code = await Program.Run(["bench", "t2i-tiny", "--device", "cpu", "--set", $"latents={latents}"],
            new InvocationConfiguration { Output = output, Error = error });
        Assert.Equal(CliGuard.ExitEnvironment, code);
        // A Debug build also warns that bench figures are not representative; the user error itself is one line.
        string line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries),
            l => !l.StartsWith("warning:", StringComparison.Ordinal));
        Assert.StartsWith($"error: latents '{latents}' has no complete checkpoint", line);
        Assert.Contains("training launch tok-tiny-pretrain", line);
        Assert.Contains("--set latents=dct", line);
    }

    [Fact]
    public async Task AMissingPathIsOneLineAndABugKeepsItsStackTrace()
    {
        var error = new StringWriter();
        Assert.Equal(1, await CliGuard.RunAsync(() => throw new AggregateException(new FileNotFoundException("no x.png")), error));
        Assert.Equal("error: no x.png", error.ToString().Trim());
        var bug = new StringWriter();
        Assert.Equal(1, await CliGuard.RunAsync(() => Task.FromException<int>(Thrown()), bug));
        Assert.StartsWith("Unhandled exception: System.InvalidOperationException: bug", bug.ToString());
        Assert.Contains($"at {nameof(T2I)}.{nameof(Training)}.{nameof(Tests)}.{nameof(CliGuardTests)}.{nameof(Thrown)}", bug.ToString());
        var assembly = new FileNotFoundException("missing", "Foo, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null");
        Assert.Null(CliGuard.UserError(assembly));
    }

    /// <summary>An exception with a stack trace (thrown, not just constructed).</summary>
    private static InvalidOperationException Thrown()
    {
        try { throw new InvalidOperationException("bug"); }
        catch (InvalidOperationException e) { return e; }
    }
}

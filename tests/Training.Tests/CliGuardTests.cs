using System.CommandLine;
using T2I.Core.Cli;

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
        string line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: latents '{latents}' has no complete checkpoint", line);
        Assert.Contains("training launch tok-tiny-pretrain", line);
        Assert.Contains("--set latents=dct", line);
    }

    [Fact]
    public async Task AMissingPathIsOneLineAndABugKeepsItsException()
    {
        var error = new StringWriter();
        Assert.Equal(1, await CliGuard.RunAsync(() => throw new AggregateException(new FileNotFoundException("no x.png")), error));
        Assert.Equal("error: no x.png", error.ToString().Trim());
        await Assert.ThrowsAsync<InvalidOperationException>(
            () => CliGuard.RunAsync(() => throw new InvalidOperationException("bug"), error));
        var assembly = new FileNotFoundException("missing", "Foo, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null");
        Assert.Null(CliGuard.UserError(assembly));
    }
}

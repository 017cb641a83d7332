using System.CommandLine;

namespace T2I.Training.Tests;

/// <summary>Runs the <c>training</c> command line in-process and captures what it prints.</summary>
internal static class TrainingCli
{
    public static async Task<(int Code, string Out, string Err)> Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await Program.BuildRoot().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}

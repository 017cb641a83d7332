namespace T2I.DataPrep.Tests.Support;

/// <summary>The dataprep command line run in this process (fast; no child): its exit code and what it wrote to stderr.</summary>
public static class InProcessCli
{
    public static async Task<(int Code, string Err)> RunAsync(params string[] args)
    {
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try { return (await Program.BuildRoot().Parse(args).InvokeAsync(), err.ToString()); }
        finally { Console.SetError(old); }
    }
}

using System.CommandLine;

namespace T2I.Training;

public static class Program
{
    public static Task<int> Main(string[] args) => BuildRoot().Parse(args).InvokeAsync();

    /// <summary>The `training` command tree; each subcommand lives in Commands/.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("T2I training: the three aligned-tokenizer stages, then the text-to-image DiT.");
        return root;
    }
}

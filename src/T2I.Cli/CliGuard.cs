namespace T2I.Cli;

/// <summary>
/// The CLIs' last line of defence: an exception that means "the user's input or machine is not ready" (a folder or
/// file that is not there) becomes one line on stderr and exit 1; anything else is a bug and is printed with its stack
/// trace (exit 1, as System.CommandLine's own handler did, rather than an abort).
/// </summary>
public static class CliGuard
{
    /// <summary>Exit status of an environment error (missing input), as the commands' own catch blocks return.</summary>
    public const int ExitEnvironment = 1;

    /// <summary>Runs the command line; System.CommandLine's own handler must be off so exceptions reach here.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> invoke, TextWriter error)
    {
        try
        {
            return await invoke();
        }
        catch (Exception e) when (UserError(e) is { } user)
        {
            error.WriteLine($"error: {user.Message}");
            return ExitEnvironment;
        }
        catch (OperationCanceledException e)
        {
            // A stop the user asked for (a command that lets its cancellation escape): the conventional 128 + SIGINT.
            error.WriteLine($"stopped: {e.Message}");
            return 130;
        }
        catch (Exception e)
        {
            error.WriteLine($"Unhandled exception: {e}");
            return ExitEnvironment;
        }
    }

    /// <summary>The user-facing exception inside <paramref name="e"/>, or null when it is a bug.</summary>
    public static Exception? UserError(Exception e)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } aggregate) return UserError(aggregate.InnerExceptions[0]);
        // An assembly the runtime cannot find is a broken build, not a user's path: it keeps its stack trace.
        if (e is FileNotFoundException { FileName: { } name } && name.Contains(", Version=", StringComparison.Ordinal)) return null;
        return e is DirectoryNotFoundException or FileNotFoundException ? e : null;
    }
}

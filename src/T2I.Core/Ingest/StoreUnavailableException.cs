using T2I.Core.Storage;

namespace T2I.Core.Ingest;

/// <summary>
/// The input or output store failed (endpoint down, bucket missing, access denied, disk full …) while the run
/// was doing <c>operation</c>. The message is one line a user can act on — which store, which endpoint, what
/// failed — and the CLI prints it instead of a stack trace. Shards committed before it stay committed; the
/// shard in progress is not, so a rerun picks it up.
/// </summary>
public sealed class StoreUnavailableException(string role, IBlobStore store, string operation, Exception inner)
    : Exception($"cannot reach {role} {store.Location}{Endpoint(store)} while {operation}: {Cause(inner)}", inner)
{
    /// <summary>"input" or "output".</summary>
    public string Role { get; } = role;

    /// <summary>Runs one step against a store, turning any failure but cancellation into this exception.</summary>
    public static async Task<T> Guard<T>(string role, IBlobStore store, string operation, Func<Task<T>> step)
    {
        try { return await step(); }
        catch (Exception e) when (e is not (OperationCanceledException or StoreUnavailableException or InvalidDataException
            or ConfigException))
        {
            throw new StoreUnavailableException(role, store, operation, e);
        }
    }

    public static Task Guard(string role, IBlobStore store, string operation, Func<Task> step) =>
        Guard(role, store, operation, async () => { await step(); return true; });

    private static string Endpoint(IBlobStore store) => store is S3BlobStore s3
        ? $" (endpoint {s3.Options.ServiceUrl ?? "AWS, region " + (s3.Options.Region ?? "from the SDK's defaults")})"
        : "";

    /// <summary>The first message in the chain that says something (wrappers often do not), on one line.</summary>
    private static string Cause(Exception e)
    {
        var shown = e;
        while (shown.InnerException is { } inner && IsWrapper(shown)) shown = inner;
        return string.Join(' ', shown.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static bool IsWrapper(Exception e) => e is AggregateException || string.IsNullOrWhiteSpace(e.Message)
        || e.Message.Contains("inner exception", StringComparison.OrdinalIgnoreCase)
        || e.Message.StartsWith("An error occurred while sending the request", StringComparison.Ordinal);
}

using Hangfire.States;

namespace T2I.Web.Tests.Support;

/// <summary>
/// Processing as a worker on <paramref name="serverId"/> writes it (Hangfire's own ProcessingState cannot be built outside
/// it): for jobs a test puts in the state a running or killed worker leaves them in.
/// </summary>
public sealed class ProcessingOnServer(string serverId) : IState
{
    public string Name => ProcessingState.StateName;
    public string? Reason => null;
    public bool IsFinal => false;
    public bool IgnoreJobLoadException => false;

    public Dictionary<string, string> SerializeData() => new()
    {
        ["StartedAt"] = Hangfire.Common.JobHelper.SerializeDateTime(DateTime.UtcNow), ["ServerId"] = serverId, ["WorkerId"] = "w1",
    };
}

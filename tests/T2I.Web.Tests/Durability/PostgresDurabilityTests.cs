using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Durability;

/// <summary>Hangfire on a real PostgreSQL: queued and interrupted jobs survive a restart of the app.</summary>
public class PostgresDurabilityTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    [Fact]
    public Task JobsQueuedOrRunningWhenTheAppStopsCompleteAfterARestartExactlyOnce() =>
        RestartScenarios.StopWithRunningAndQueuedJobsAsync("ConnectionStrings:Hangfire=" + postgres.ConnectionString);
}

using T2I.DataPrep.Tests.Support;
using System.Text.Json;
using T2I.Core.Storage;
using T2I.Core.Ingest;
using T2I.Core.Tests.Support;

namespace T2I.DataPrep.Tests.Ingest;

public class LeaseTests
{
    [Fact]
    public async Task TwoContendersAtOnceExactlyOneWins()
    {
        using var tmp = new TempDir();
        var store = new LocalBlobStore(tmp.Path);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            IngestLease.TryAcquireAsync(store, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(300), default)));
        Assert.Single(results, r => r.Lease is not null);
        var winner = results.Single(r => r.Lease is not null).Lease!;

        var (late, holder) = await IngestLease.TryAcquireAsync(store, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(10), default);
        Assert.Null(late);
        Assert.Equal(Environment.ProcessId, holder!.Pid);

        await winner.DisposeAsync();
        var (next, _) = await IngestLease.TryAcquireAsync(store, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(10), default);
        Assert.NotNull(next);
        await next!.DisposeAsync();
        foreach (var r in results.Where(r => r.Lease is not null && r.Lease != winner)) await r.Lease!.DisposeAsync();
    }

    [Fact]
    public async Task ClaimsOfDeadProcessesOrExpiredClaimsAreTakenOver()
    {
        using var tmp = new TempDir();
        var store = new LocalBlobStore(tmp.Path);
        using var dead = DataprepProcess.Start("--version");
        await dead.WaitForExitAsync();
        async Task Put(IngestLease.Claim c) => await store.WriteAsync(IngestLease.Key, new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(c)));

        await Put(new("other", Environment.MachineName, dead.Id, DateTimeOffset.UtcNow.AddHours(1)));
        var (a, _) = await IngestLease.TryAcquireAsync(store, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(10), default);
        Assert.NotNull(a);
        await a!.DisposeAsync();

        await Put(new("other", "another-host", 1, DateTimeOffset.UtcNow.AddHours(1)));
        var (b, holder) = await IngestLease.TryAcquireAsync(store, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(10), default);
        Assert.Null(b);
        Assert.Equal("another-host", holder!.Host);

        await Put(new("other", "another-host", 1, DateTimeOffset.UtcNow.AddSeconds(-1)));
        var (c, _) = await IngestLease.TryAcquireAsync(store, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(10), default);
        Assert.NotNull(c);
        await c!.DisposeAsync();
    }
}

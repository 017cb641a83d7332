using System.Text.Json;
using T2I.Core.Storage;

namespace T2I.Core.Ingest;

/// <summary>
/// A lease object (<c>_lease.json</c>) in the output store so two servers (or a server and a CLI) never ingest
/// into the same output at once. Blob stores have no compare-and-swap, so acquisition is write-then-verify:
/// write our claim, wait, read it back; whoever's claim survived holds the lease. A claim expires unless
/// renewed; a claim by a dead process on this host is taken over at once (a <c>kill -9</c> must not block
/// the rerun). Even if two runs did overlap, ingestion is deterministic, so both would write identical files.
/// </summary>
public sealed class IngestLease : IAsyncDisposable
{
    public const string Key = "_lease.json";
    public sealed record Claim(string Owner, string Host, int Pid, DateTimeOffset ExpiresUtc);

    private readonly IBlobStore _store;
    private readonly Claim _claim;
    private readonly TimeSpan _ttl;
    private readonly CancellationTokenSource _lost = new();
    private readonly Timer _renew;

    private IngestLease(IBlobStore store, Claim claim, TimeSpan ttl)
    {
        _store = store;
        _claim = claim;
        _ttl = ttl;
        _renew = new Timer(_ => _ = RenewAsync(), null, ttl / 3, ttl / 3);
    }

    /// <summary>Cancelled when another owner's claim replaced ours (we must stop writing).</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Acquires the lease or returns the current holder's claim.</summary>
    public static Task<(IngestLease? Lease, Claim? Holder)> TryAcquireAsync(IBlobStore store, TimeSpan ttl, TimeSpan settle,
        CancellationToken ct) =>
        StoreUnavailableException.Guard("output", store, $"taking the ingestion lease ({Key})", () => AcquireAsync(store, ttl, settle, ct));

    private static async Task<(IngestLease? Lease, Claim? Holder)> AcquireAsync(IBlobStore store, TimeSpan ttl, TimeSpan settle,
        CancellationToken ct)
    {
        var current = await ReadAsync(store, ct);
        if (current is not null && IsLive(current)) return (null, current);

        var mine = new Claim(Guid.NewGuid().ToString("N"), Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow + ttl);
        await WriteAsync(store, mine, ct);
        await Task.Delay(settle, ct); // a competitor writing in the same window overwrites us or is overwritten
        var after = await ReadAsync(store, ct);
        if (after?.Owner != mine.Owner) return (null, after);
        return (new IngestLease(store, mine, ttl), null);
    }

    private static bool IsLive(Claim c)
    {
        if (c.ExpiresUtc <= DateTimeOffset.UtcNow) return false;
        if (c.Host != Environment.MachineName) return true;
        try { using var p = System.Diagnostics.Process.GetProcessById(c.Pid); return !p.HasExited; }
        catch (ArgumentException) { return false; } // no such process: its owner died
    }

    private async Task RenewAsync()
    {
        try
        {
            var current = await ReadAsync(_store, CancellationToken.None);
            if (current?.Owner != _claim.Owner) { _lost.Cancel(); return; }
            await WriteAsync(_store, _claim with { ExpiresUtc = DateTimeOffset.UtcNow + _ttl }, CancellationToken.None);
        }
        catch (Exception) when (!_lost.IsCancellationRequested)
        {
            // A failed renewal is retried at the next tick; the claim only lapses after the full ttl.
        }
    }

    private static async Task<Claim?> ReadAsync(IBlobStore store, CancellationToken ct)
    {
        try
        {
            await using var s = await store.OpenReadAsync(Key, ct);
            return await JsonSerializer.DeserializeAsync<Claim>(s, cancellationToken: ct);
        }
        catch (FileNotFoundException) { return null; }
        catch (JsonException) { return null; } // a damaged claim protects nothing
    }

    private static Task WriteAsync(IBlobStore store, Claim claim, CancellationToken ct) =>
        store.WriteAsync(Key, new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(claim)), ct);

    public async ValueTask DisposeAsync()
    {
        await _renew.DisposeAsync();
        try
        {
            if ((await ReadAsync(_store, CancellationToken.None))?.Owner == _claim.Owner)
                await _store.DeleteAsync(Key);
        }
        catch (Exception)
        {
            // Best effort: with the store unreachable the claim simply expires after its ttl (or is taken over
            // at once on this host, its process being gone) — and the error that ended the run is the one to show.
        }
        _lost.Dispose();
    }
}

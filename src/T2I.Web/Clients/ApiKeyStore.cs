using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using T2I.Core.Storage;

namespace T2I.Web.Clients;

/// <summary>
/// API keys in the image store (<c>api-keys/ID.json</c>, shared by every replica like the generation records). A token is
/// <c>t2i_ID_SECRET</c>: the id finds the key, the secret is compared by its hash in constant time. Keys read from the store
/// are cached for <see cref="CacheFor"/>, so a key revoked on one replica stops working on the others within that time
/// (at once on the replica that revoked it).
/// </summary>
public sealed partial class ApiKeyStore(IBlobStore blobs, TimeProvider clock)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<string, (ApiKey? Key, DateTimeOffset At)> _cache = new();

    /// <summary>Issues a key; the token is returned once and never stored.</summary>
    public async Task<(ApiKey Key, string Token)> CreateAsync(string name, bool priority = false, int? submitsPerMinute = null,
        long? maxImages = null, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100) throw new ArgumentException("A key needs a name of 1–100 characters.");
        if (submitsPerMinute is < 1) throw new ArgumentException("Submits per minute must be at least 1.");
        if (maxImages is < 1) throw new ArgumentException("The image quota must be at least 1.");
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        string secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var key = new ApiKey(id, name.Trim(), Hash(secret), clock.GetUtcNow(), Priority: priority, SubmitsPerMinute: submitsPerMinute,
            MaxImages: maxImages);
        await WriteAsync(key, ct);
        return (key, $"t2i_{id}_{secret}");
    }

    public async Task<ApiKey?> RevokeAsync(string id, CancellationToken ct = default)
    {
        if (await ReadAsync(id, ct) is not { } key) return null;
        if (key.IsRevoked) return key;
        key = key with { RevokedAt = clock.GetUtcNow() };
        await WriteAsync(key, ct);
        return key;
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken ct = default)
    {
        var keys = new List<ApiKey>();
        await foreach (var blob in blobs.ListAsync("api-keys/", ct))
            if (await ReadAsync(Path.GetFileNameWithoutExtension(blob.Key), ct) is { } key) keys.Add(key);
        return keys.OrderByDescending(k => k.CreatedAt).ToList();
    }

    /// <summary>The live key a token names; null for a malformed, unknown, wrong or revoked one.</summary>
    public async Task<ApiKey?> AuthenticateAsync(string token, CancellationToken ct = default)
    {
        var m = TokenPattern().Match(token);
        if (!m.Success) return null;
        var now = clock.GetUtcNow();
        string id = m.Groups[1].Value;
        if (!_cache.TryGetValue(id, out var cached) || now - cached.At >= CacheFor) _cache[id] = cached = (await ReadAsync(id, ct), now);
        var key = cached.Key;
        if (key is null || key.IsRevoked) return null;
        bool match = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(m.Groups[2].Value)),
            Encoding.ASCII.GetBytes(key.SecretSha256));
        return match ? key : null;
    }

    private async Task<ApiKey?> ReadAsync(string id, CancellationToken ct)
    {
        if (!IdPattern().IsMatch(id)) return null;
        try
        {
            await using var s = await blobs.OpenReadAsync(KeyOf(id), ct);
            return await JsonSerializer.DeserializeAsync<ApiKey>(s, Json, ct);
        }
        catch (FileNotFoundException) { return null; }
    }

    private async Task WriteAsync(ApiKey key, CancellationToken ct)
    {
        using var stream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(key, Json));
        await blobs.WriteAsync(KeyOf(key.Id), stream, ct);
        _cache[key.Id] = (key, clock.GetUtcNow());
    }

    private static string KeyOf(string id) => $"api-keys/{id}.json";

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(secret)));

    [GeneratedRegex("^[0-9a-f]{12}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^t2i_([0-9a-f]{12})_([0-9a-f]{64})$")]
    private static partial Regex TokenPattern();
}

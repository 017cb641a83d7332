namespace T2I.Web.Clients;

/// <summary>
/// An admin-issued API key as stored: never the secret, only its SHA-256 (the secret is 256 random bits, so a fast hash
/// is enough — there is nothing to brute-force). <see cref="SubmitsPerMinute"/> replaces the address rate limit for
/// the key's submissions; <see cref="MaxImages"/> caps the images it may ever submit; <see cref="Priority"/> puts its
/// jobs before everyone's in the fair queue.
/// </summary>
public sealed record ApiKey(
    string Id, string Name, string SecretSha256, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt = null, bool Priority = false,
    int? SubmitsPerMinute = null, long? MaxImages = null)
{
    public bool IsRevoked => RevokedAt is not null;

    /// <summary>The user the queue and the usage figures know this key as (also the owner of its generations).</summary>
    public string User => UserOf(Id);

    public static string UserOf(string id) => $"key:{id}";
}

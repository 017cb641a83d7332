using Microsoft.AspNetCore.WebUtilities;

namespace T2I.Web.Clients;

/// <summary>
/// Who sends an API request: a bearer of an API key (owner and rate key <c>key:ID</c>, the key's limits), or a cookie
/// client (its client id; rate-limited by address). A request that sends <c>Authorization</c> must send a live key:
/// an unknown, malformed or revoked one is answered 401, never served as an anonymous client.
/// </summary>
public sealed record Caller(string Owner, string RateKey, ApiKey? Key = null)
{
    private const string ItemKey = "t2i.caller";

    public bool Priority => Key?.Priority ?? false;

    public static Caller Of(HttpContext http) =>
        http.Items[ItemKey] as Caller ?? new Caller(ClientId.Of(http), SubmitLimiter.KeyOf(http));

    /// <summary>A caller known by its API key.</summary>
    internal static void Set(HttpContext http, ApiKey key) => http.Items[ItemKey] = new Caller(key.User, key.User, key);
}

/// <summary>The endpoint filter that turns a bearer token into a <see cref="Caller"/>.</summary>
public static class ApiKeyAuthentication
{
    public const string InvalidKeyMessage = "The API key is unknown or revoked (send Authorization: Bearer t2i_…).";

    /// <summary>Resolves the bearer key of every request to the group's endpoints before they run.</summary>
    public static RouteGroupBuilder AuthenticateApiKeys(this RouteGroupBuilder group) => group.AddEndpointFilter(async (context, next) =>
    {
        var http = context.HttpContext;
        if (http.Request.Headers.Authorization is not { Count: > 0 } header) return await next(context);
        string value = header.ToString();
        var keys = http.RequestServices.GetRequiredService<ApiKeyStore>();
        var key = value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? await keys.AuthenticateAsync(value["Bearer ".Length..].Trim(), http.RequestAborted) : null;
        if (key is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return TypedResults.Problem(InvalidKeyMessage, statusCode: StatusCodes.Status401Unauthorized,
                title: ReasonPhrases.GetReasonPhrase(StatusCodes.Status401Unauthorized));
        }
        Caller.Set(http, key);
        return await next(context);
    });
}

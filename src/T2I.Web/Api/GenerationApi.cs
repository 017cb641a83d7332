using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using T2I.Web.Clients;
using T2I.Web.Generation;

namespace T2I.Web.Api;

/// <summary>
/// The HTTP API: submit, status, images, cancel, list. The list is the caller's (API key, or client id cookie); status,
/// images and cancel need only the generation's unguessable id (see <see cref="GenerationService"/>), so
/// scripts without a cookie jar work. Errors are RFC 7807 problem documents (<c>application/problem+json</c>)
/// whose <c>detail</c> is a short message a user can act on.
/// </summary>
public static class GenerationApi
{
    public static void MapGenerationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/generations").AuthenticateApiKeys();
        api.MapPost("", SubmitAsync);
        api.MapGet("", ListAsync);
        api.MapGet("/{id}", GetAsync);
        // download is read as text: a bool parameter answered ?download=1 with a 500 (and an empty 400 in Production).
        api.MapGet("/{id}/image", (string id, HttpContext http, GenerationService svc, string? download) =>
            ImageAsync(id, 0, download, http, svc));
        api.MapGet("/{id}/images/{index:int}", ImageAsync);
        api.MapDelete("/{id}", CancelAsync);
    }

    /// <summary>
    /// The most a submission body may be: a 1,000-character prompt and negative prompt, every character
    /// escaped (<c>\uXXXX</c>), fit with room to spare. Larger bodies are refused before they are read.
    /// </summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>A running generation whose worker died (see <see cref="WorkerLiveness"/>); it resumes or can be cancelled.</summary>
    public const string InterruptedStatus = "interrupted";

    public const string NotFoundMessage = "No such generation.";

    private static async Task<Results<Accepted<SubmitAnswer>, ProblemHttpResult>> SubmitAsync(
        HttpContext http, GenerationService svc, GeneratorProvider model)
    {
        var (body, refusal) = await ReadBodyAsync(http);
        if (body is null) return refusal!;
        if (body.ToRequest(model.BaseResolution, out string? error) is not { } request) return BadRequest(error!);

        var result = await svc.SubmitAsync(Caller.Of(http), request, http.RequestAborted);
        if (result is { RetryAfter: { } wait })
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString();
        string url = $"/api/generations/{result.Id}";
        return result.Outcome switch
        {
            SubmitOutcome.Accepted => TypedResults.Accepted(url, new SubmitAnswer(result.Id!, url, url + "/image")),
            SubmitOutcome.RateLimited or SubmitOutcome.UserQueueFull or SubmitOutcome.QuotaUsed =>
                Problem(StatusCodes.Status429TooManyRequests, result.Error!),
            SubmitOutcome.ModelUnavailable or SubmitOutcome.QueueFull => Problem(StatusCodes.Status503ServiceUnavailable, result.Error!),
            _ => BadRequest(result.Error!),
        };
    }

    /// <summary>The body as a request, or the problem to answer instead.</summary>
    private static async Task<(GenerationApiRequest? Body, ProblemHttpResult? Refusal)> ReadBodyAsync(HttpContext http)
    {
        if (http.Request.ContentLength > MaxBodyBytes) return (null, TooLarge());
        // Without a Content-Length (chunked), reading past the cap fails with a 413 BadHttpRequestException.
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = MaxBodyBytes;
        try
        {
            var body = await http.Request.ReadFromJsonAsync<GenerationApiRequest>(http.RequestAborted);
            return body is null ? (null, BadRequest("The body is empty.")) : (body, null);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
        catch (JsonException ex)
        {
            // Where, not System.Text.Json's message: that names our internal types.
            return (null, BadRequest(
                $"The body is not valid JSON for a generation request (at {ex.Path ?? "$"}, line {(ex.LineNumber ?? 0) + 1})."));
        }
        catch (InvalidOperationException)
        {
            return (null, BadRequest("Send the request as JSON (Content-Type: application/json)."));
        }
    }

    private static async Task<Ok<GenerationDto[]>> ListAsync(HttpContext http, GenerationService svc) =>
        TypedResults.Ok((await svc.ListAsync(Caller.Of(http).Owner, 100, http.RequestAborted)).Select(GenerationDto.Of).ToArray());

    private static async Task<Results<Ok<GenerationDto>, ProblemHttpResult>> GetAsync(string id, HttpContext http, GenerationService svc) =>
        await svc.GetAsync(id, http.RequestAborted) is { } v ? TypedResults.Ok(GenerationDto.Of(v)) : NotFound();

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ImageAsync(
        string id, int index, string? download, HttpContext http, GenerationService svc)
    {
        var png = await svc.ImageAsync(id, index, http.RequestAborted);
        if (png is null) return NotFound();
        bool attach = download is not null && (download is "" or "1" || download.Equals("true", StringComparison.OrdinalIgnoreCase));
        return TypedResults.File(png, "image/png", attach ? $"t2i-{id}-{index}.png" : null);
    }

    private static async Task<Results<Accepted<CancelAnswer>, ProblemHttpResult>> CancelAsync(
        string id, HttpContext http, GenerationService svc) =>
        await svc.CancelAsync(id, http.RequestAborted) switch
        {
            CancelOutcome.NotFound => NotFound(),
            CancelOutcome.AlreadyFinished => Problem(StatusCodes.Status409Conflict, "The generation has already finished."),
            var outcome => TypedResults.Accepted((string?)null, new CancelAnswer(id, outcome.ToString().ToLowerInvariant())),
        };

    /// <summary>
    /// A problem document titled with the status's reason phrase (AddProblemDetails adds a type link and the trace id
    /// where it knows one; it has no title for 413 and 429).
    /// </summary>
    private static ProblemHttpResult Problem(int status, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: ReasonPhrases.GetReasonPhrase(status));

    private static ProblemHttpResult TooLarge() =>
        Problem(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {MaxBodyBytes / 1024} KB.");

    private static ProblemHttpResult BadRequest(string message) => Problem(StatusCodes.Status400BadRequest, message);
    private static ProblemHttpResult NotFound() => Problem(StatusCodes.Status404NotFound, NotFoundMessage);
}

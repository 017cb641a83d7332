using System.Text.Json;
using T2I.Web.Clients;
using T2I.Web.Generation;
using T2I.Core.Data;

namespace T2I.Web.Api;

/// <summary>JSON body of <c>POST /api/generations</c>; omitted fields take the page's defaults.</summary>
public sealed record GenerationApiRequest(
    string? Prompt, string? NegativePrompt = null, int? Width = null, int? Height = null, string? Size = null,
    int? Steps = null, double? Guidance = null, long? Seed = null, int? Count = null);

/// <summary>
/// The HTTP API: submit, status, images, cancel, list. The list is the caller's (client id cookie); status,
/// images and cancel need only the generation's unguessable id (see <see cref="GenerationService"/>), so
/// scripts without a cookie jar work. Errors are short JSON messages.
/// </summary>
public static class GenerationApi
{
    public static void MapGenerationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/generations");
        api.MapPost("", SubmitAsync);
        api.MapGet("", async (HttpContext http, GenerationService svc) =>
            Results.Ok((await svc.ListAsync(ClientId.Of(http), 100, http.RequestAborted)).Select(Dto)));
        api.MapGet("/{id}", async (string id, HttpContext http, GenerationService svc) =>
            await svc.GetAsync(id, http.RequestAborted) is { } v ? Results.Ok(Dto(v)) : NotFound());
        // download is read as text: a bool parameter answered ?download=1 with a 500 (and an empty 400 in Production).
        api.MapGet("/{id}/image", (string id, HttpContext http, GenerationService svc, string? download) =>
            ImageAsync(id, 0, download, http, svc));
        api.MapGet("/{id}/images/{index:int}", (string id, int index, HttpContext http, GenerationService svc, string? download) =>
            ImageAsync(id, index, download, http, svc));
        api.MapDelete("/{id}", async (string id, HttpContext http, GenerationService svc) =>
            await svc.CancelAsync(id, http.RequestAborted) switch
            {
                CancelOutcome.NotFound => NotFound(),
                CancelOutcome.AlreadyFinished => Results.Conflict(new { error = "The generation has already finished." }),
                var outcome => Results.Accepted(value: new { id, outcome = outcome.ToString().ToLowerInvariant() }),
            });
    }

    /// <summary>
    /// The most a submission body may be: a 1,000-character prompt and negative prompt, every character
    /// escaped (<c>\uXXXX</c>), fit with room to spare. Larger bodies are refused before they are read.
    /// </summary>
    public const int MaxBodyBytes = 64 * 1024;

    private static async Task<IResult> SubmitAsync(HttpContext http, GenerationService svc, GeneratorProvider model)
    {
        if (http.Request.ContentLength > MaxBodyBytes) return TooLarge();
        // Without a Content-Length (chunked), reading past the cap fails with a 413 BadHttpRequestException.
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = MaxBodyBytes;
        GenerationApiRequest? body;
        try
        {
            body = await http.Request.ReadFromJsonAsync<GenerationApiRequest>(http.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }
        catch (JsonException ex)
        {
            // Where, not System.Text.Json's message: that names our internal types.
            return BadRequest(
                $"The body is not valid JSON for a generation request (at {ex.Path ?? "$"}, line {(ex.LineNumber ?? 0) + 1}).");
        }
        catch (InvalidOperationException)
        {
            return BadRequest("Send the request as JSON (Content-Type: application/json).");
        }
        if (body is null) return BadRequest("The body is empty.");
        if (ToParameters(body, model.BaseResolution, out string? error) is not { } parameters) return BadRequest(error!);

        var result = await svc.SubmitAsync(ClientId.Of(http), SubmitLimiter.KeyOf(http), parameters, http.RequestAborted);
        if (result is { Outcome: SubmitOutcome.RateLimited or SubmitOutcome.QueueFull, RetryAfter: var wait })
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait!.Value.TotalSeconds)).ToString();
        return result.Outcome switch
        {
            SubmitOutcome.Accepted => Results.Accepted($"/api/generations/{result.Id}", new { id = result.Id,
                status = $"/api/generations/{result.Id}", image = $"/api/generations/{result.Id}/image" }),
            SubmitOutcome.ModelUnavailable => Results.Json(new { error = result.Error },
                statusCode: StatusCodes.Status503ServiceUnavailable),
            SubmitOutcome.RateLimited => Results.Json(new { error = result.Error }, statusCode: StatusCodes.Status429TooManyRequests),
            SubmitOutcome.QueueFull => Results.Json(new { error = result.Error }, statusCode: StatusCodes.Status503ServiceUnavailable),
            _ => BadRequest(result.Error!),
        };
    }

    internal static GenerationParameters? ToParameters(GenerationApiRequest b, int baseResolution, out string? error)
    {
        error = null;
        int width = b.Width ?? baseResolution, height = b.Height ?? baseResolution;
        if (b.Size is { } size)
        {
            if (b.Width is not null || b.Height is not null)
            {
                error = "Give either size or width and height, not both.";
                return null;
            }
            if (AspectBucket.TryParse(size) is { } bucket) (width, height) = (bucket.Width, bucket.Height);
            else
            {
                error = $"Size '{(size.Length > 20 ? size[..20] + "…" : size)}' is not like 256x256."; // never echo a huge input
                return null;
            }
        }
        return new GenerationParameters(b.Prompt ?? "", b.NegativePrompt ?? "", width, height,
            b.Steps ?? GenerationParameters.DefaultSteps, b.Guidance ?? GenerationParameters.DefaultGuidance, b.Seed, b.Count ?? 1);
    }

    private static async Task<IResult> ImageAsync(string id, int index, string? download, HttpContext http, GenerationService svc)
    {
        var png = await svc.ImageAsync(id, index, http.RequestAborted);
        if (png is null) return NotFound();
        bool attach = download is not null && (download is "" or "1" || download.Equals("true", StringComparison.OrdinalIgnoreCase));
        return Results.File(png, "image/png", attach ? $"t2i-{id}-{index}.png" : null);
    }

    /// <summary>A running generation whose worker died (see <see cref="WorkerLiveness"/>); it resumes or can be cancelled.</summary>
    public const string InterruptedStatus = "interrupted";

    public static object Dto(GenerationView v)
    {
        var r = v.Record;
        return new
        {
            id = r.Id,
            status = v.Interrupted ? InterruptedStatus : r.Status.ToString().ToLowerInvariant(),
            queuePosition = v.QueuePosition,
            progress = v.Progress is { } p ? new { image = p.Image + 1, images = p.ImageCount, step = p.Step,
                totalSteps = p.TotalSteps } : null,
            parameters = r.Parameters,
            seed = r.Seed,
            modelId = r.ModelId,
            createdAt = r.CreatedAt,
            startedAt = r.StartedAt,
            finishedAt = r.FinishedAt,
            error = r.Error,
            images = Enumerable.Range(0, r.ImagesDone).Select(i => $"/api/generations/{r.Id}/images/{i}").ToArray(),
        };
    }

    private static IResult TooLarge() => Results.Json(new { error = $"The body is larger than {MaxBodyBytes / 1024} KB." },
        statusCode: StatusCodes.Status413PayloadTooLarge);

    private static IResult BadRequest(string message) => Results.BadRequest(new { error = message });
    private static IResult NotFound() => Results.NotFound(new { error = "No such generation." });
}

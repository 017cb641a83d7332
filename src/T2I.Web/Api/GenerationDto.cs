using T2I.Core.Inference;
using T2I.Web.Generation;

namespace T2I.Web.Api;

/// <summary>
/// One generation as the API shows it. <see cref="Status"/> is the record's status in lower case, or
/// <see cref="GenerationApi.InterruptedStatus"/>; <see cref="Images"/> are the URLs of the images drawn so far;
/// <see cref="EtaSeconds"/>: for a queued one, roughly how long until it starts.
/// </summary>
public sealed record GenerationDto(
    string Id, string Status, int? QueuePosition, double? EtaSeconds, ProgressDto? Progress, GenerationRequest Parameters, long Seed,
    string? ModelId,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Error, string[] Images)
{
    public static GenerationDto Of(GenerationView v)
    {
        var r = v.Record;
        return new GenerationDto(r.Id, v.Interrupted ? GenerationApi.InterruptedStatus : r.Status.ToString().ToLowerInvariant(),
            v.QueuePosition, v.Eta is { } eta ? Math.Round(eta.TotalSeconds, 1) : null,
            v.Progress is { } p ? new ProgressDto(p.Image + 1, p.ImageCount, p.Step, p.TotalSteps) : null,
            r.Parameters, r.Seed, r.ModelId, r.CreatedAt, r.StartedAt, r.FinishedAt, r.Error,
            Enumerable.Range(0, r.ImagesDone).Select(i => $"/api/generations/{r.Id}/images/{i}").ToArray());
    }
}

/// <summary>Image <see cref="Image"/> (1-based) of <see cref="Images"/>; sampler step <see cref="Step"/> of its total.</summary>
public sealed record ProgressDto(int Image, int Images, int Step, int TotalSteps);

/// <summary>The answer to an accepted submission: the id and where to follow it.</summary>
public sealed record SubmitAnswer(string Id, string Status, string Image);

/// <summary>The answer to a cancel: <c>canceled</c> (it will never run) or <c>stopping</c> (it stops at its next step).</summary>
public sealed record CancelAnswer(string Id, string Outcome);

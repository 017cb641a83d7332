namespace T2I.Core.Inference;

/// <summary>
/// Which single-image requests may share one batched sampling run: the same size, steps, guidance scale and sampler,
/// and a deterministic sampler (η = 0). A stochastic DDIM step draws its noise from one generator per run, so a
/// batched η &gt; 0 request would not get the image its seed gives alone; such requests run one at a time.
/// Prompts, negative prompts and seeds may differ: each image keeps its own seed's initial noise.
/// </summary>
public static class GenerationBatch
{
    public static bool Compatible(GenerationRequest a, GenerationRequest b) =>
        a.Width == b.Width && a.Height == b.Height && a.Steps == b.Steps && a.Guidance.Equals(b.Guidance)
        && string.Equals(a.Sampler, b.Sampler, StringComparison.OrdinalIgnoreCase) && a.Eta == 0 && b.Eta == 0;

    /// <summary>Why these requests cannot be drawn as one batch; null when they can.</summary>
    public static string? Refusal(IReadOnlyList<GenerationRequest> requests)
    {
        if (requests.Count == 0) return "A batch needs at least one request.";
        if (requests.Count == 1) return null;
        return requests.Skip(1).All(r => Compatible(requests[0], r)) ? null
            : "Requests drawn as one batch need the same size, steps, guidance and sampler, with η = 0.";
    }

    /// <summary>Image indexes 0..count-1 cut into consecutive runs of at most <paramref name="maxBatch"/>.</summary>
    public static IEnumerable<Range> Chunks(int count, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        for (int start = 0; start < count; start += maxBatch) yield return new Range(start, Math.Min(count, start + maxBatch));
    }
}

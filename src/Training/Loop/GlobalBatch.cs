namespace T2I.Training.Loop;

/// <summary>The batch one optimizer step averages over: <c>batch_size</c> per rank (micro-batch × accumulation) × ranks.</summary>
public static class GlobalBatch
{
    public static int Of(int batchSize, int ranks) => batchSize * ranks;

    /// <summary>e.g. <c>micro-batch 4 × grad_accum 2 × 2 ranks = 16</c>.</summary>
    public static string Describe(int batchSize, int accumulation, int ranks)
        => $"micro-batch {batchSize / Math.Max(1, accumulation)} × grad_accum {accumulation} × {ranks} rank{(ranks == 1 ? "" : "s")} " +
           $"= {Of(batchSize, ranks)}";
}

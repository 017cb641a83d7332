namespace T2I.Training.Dit;

/// <summary>
/// How one optimizer step's batch (<c>batch_size</c>, the global batch) is cut for the device: <see cref="MicroBatch"/>
/// samples per forward/backward, gradients accumulated over <see cref="Accumulation"/> of them, with or without
/// activation checkpointing; <see cref="EstimatedBytes"/> is the training memory that takes.
/// </summary>
public sealed record MicroBatching(int MicroBatch, int Accumulation, bool Checkpointing, long EstimatedBytes)
{
    /// <summary>False when even the smallest choice exceeds the stated device memory.</summary>
    public bool Fits { get; init; } = true;
}

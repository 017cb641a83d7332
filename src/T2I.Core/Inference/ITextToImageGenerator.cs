namespace T2I.Core.Inference;

/// <summary>Reported after every sampler step; <see cref="PreviewPng"/> only every few steps.</summary>
public sealed record GenerationProgress(int Step, int TotalSteps, byte[]? PreviewPng = null);

/// <summary>A finished image: PNG bytes carrying a <c>parameters</c> text chunk.</summary>
public sealed record GeneratedImage(byte[] Png, GenerationRequest Request, string ModelId, TimeSpan Elapsed);

/// <summary>The one contract the CLI, the Hangfire job and the web page use to draw images.</summary>
public interface ITextToImageGenerator
{
    string ModelId { get; }

    /// <summary>Pixel resolution the model was trained at (the bucket table to offer).</summary>
    int BaseResolution { get; }

    /// <summary>
    /// Draws one image, with the request's seed (a null seed is drawn first: <see cref="GenerationRequest.WithDrawnSeed"/>);
    /// callers draw image i of a several-image request as <see cref="GenerationRequest.ForImage"/>(i). Same request and
    /// seed → the same PNG bytes. Cancellation is honoured between sampler steps.
    /// </summary>
    GeneratedImage Generate(GenerationRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken ct = default);

    /// <summary>
    /// Draws several single-image requests (<see cref="GenerationBatch.Compatible"/> with each other) in one batched
    /// sampling run where the generator can; progress is the batch's, its preview the first image's. The default draws
    /// them one after another.
    /// </summary>
    IReadOnlyList<GeneratedImage> GenerateBatch(IReadOnlyList<GenerationRequest> requests, IProgress<GenerationProgress>? progress = null,
        CancellationToken ct = default) => requests.Select(r => Generate(r, progress, ct)).ToList();
}

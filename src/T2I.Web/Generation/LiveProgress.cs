namespace T2I.Web.Generation;

/// <summary>Live progress of a running generation: image i of n, sampler step x of N, latest preview.</summary>
public sealed record LiveProgress(int Image, int ImageCount, int Step, int TotalSteps, byte[]? PreviewPng);

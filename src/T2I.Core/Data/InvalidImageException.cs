namespace T2I.Core.Data;

/// <summary>
/// An image the pipeline refuses, with a short machine-readable <see cref="Reason"/> that ingestion counts
/// (e.g. <c>undecodable</c>, <c>truncated_image</c>, <c>too_many_pixels</c>, <c>unsupported_format</c>).
/// </summary>
public sealed class InvalidImageException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}

namespace T2I.Core;

/// <summary>
/// How a long job reports: <paramref name="Done"/> of <paramref name="Total"/> for one named task, through
/// <see cref="IProgress{T}"/>, so the same engine code feeds a CLI's progress bar, logs or the web page.
/// </summary>
public sealed record ProgressUpdate(string Task, double Done, double Total, string? Detail = null);

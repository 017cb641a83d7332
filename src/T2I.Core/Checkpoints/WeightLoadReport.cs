namespace T2I.Core.Checkpoints;

/// <summary>A file tensor whose shape differs from the module's tensor of the same (mapped) name.</summary>
public sealed record ShapeMismatch(string Key, long[] ModuleShape, long[] FileShape)
{
    public override string ToString() =>
        $"{Key}: module [{string.Join(", ", ModuleShape)}] vs file [{string.Join(", ", FileShape)}]";
}

/// <summary>
/// What <see cref="ModuleWeights.Load"/> did: keys are module names (after the key map). <see cref="Skipped"/>
/// lists file keys the map dropped on purpose; they are not counted as unexpected.
/// </summary>
public sealed record WeightLoadReport(
    IReadOnlyList<string> Loaded,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<ShapeMismatch> ShapeMismatches,
    IReadOnlyList<string> Skipped)
{
    /// <summary>Every module tensor was loaded and every file tensor was used.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && ShapeMismatches.Count == 0;

    public override string ToString()
    {
        var lines = new List<string>
        {
            $"loaded {Loaded.Count}, missing {Missing.Count}, unexpected {Unexpected.Count}, " +
            $"shape mismatches {ShapeMismatches.Count}, skipped by map {Skipped.Count}",
        };
        if (Missing.Count > 0) lines.Add("missing: " + string.Join(", ", Missing));
        if (Unexpected.Count > 0) lines.Add("unexpected: " + string.Join(", ", Unexpected));
        if (ShapeMismatches.Count > 0) lines.Add("shape mismatches: " + string.Join("; ", ShapeMismatches));
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>Thrown by a strict load when the file and the module do not match exactly; nothing was copied.</summary>
public sealed class WeightLoadException(string path, WeightLoadReport report)
    : Exception($"Weights in '{path}' do not match the module:{Environment.NewLine}{report}")
{
    public WeightLoadReport Report { get; } = report;
}

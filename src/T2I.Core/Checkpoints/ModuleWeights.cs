using static TorchSharp.torch;

namespace T2I.Core.Checkpoints;

/// <summary>
/// Saves and loads a module's <c>state_dict()</c> (parameters and persistent buffers) as safetensors under its
/// exact parameter names, so files written by PyTorch with the same names load unchanged.
/// </summary>
public static class ModuleWeights
{
    /// <summary>Writes every parameter and buffer atomically. Adds <c>format: pt</c> (what HF loaders expect) unless given.</summary>
    public static void Save(nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var meta = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        if (metadata is not null)
            foreach (var (k, v) in metadata) meta[k] = v;
        SafeTensors.Save(path, module.state_dict(), meta);
    }

    /// <summary>
    /// Copies the file's tensors into the module's parameters and buffers in place (under no_grad), converting
    /// to each target's dtype and device. <paramref name="map"/> turns a file key into a module key, or null to
    /// skip it. Strict mode first checks that file and module match exactly and throws
    /// <see cref="WeightLoadException"/> listing missing, unexpected and mis-shaped keys without touching the
    /// module; non-strict mode loads what matches and reports the rest.
    /// </summary>
    public static WeightLoadReport Load(nn.Module module, string path, bool strict = true, Func<string, string?>? map = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var targets = module.state_dict();
        using var file = SafeTensorsFile.Open(path);

        var plan = new List<(SafeTensorsEntry Entry, string Key, Tensor Target)>();
        var unexpected = new List<string>();
        var mismatches = new List<ShapeMismatch>();
        var skipped = new List<string>();
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in file.Entries)
        {
            string? key = map is null ? entry.Name : map(entry.Name);
            if (key is null) { skipped.Add(entry.Name); continue; }
            if (!claimed.Add(key))
                throw new InvalidDataException($"Key map sends two tensors of '{path}' to '{key}' (the second is '{entry.Name}').");
            if (!targets.TryGetValue(key, out var target)) { unexpected.Add(key); continue; }
            if (!target.shape.SequenceEqual(entry.Shape)) { mismatches.Add(new ShapeMismatch(key, target.shape, entry.Shape)); continue; }
            plan.Add((entry, key, target));
        }
        var missing = targets.Keys.Where(k => !claimed.Contains(k)).ToList();
        var report = new WeightLoadReport(plan.Select(p => p.Key).ToList(), missing, unexpected, mismatches, skipped);
        if (strict && !report.IsExact) throw new WeightLoadException(path, report);

        using var noGrad = no_grad();
        foreach (var (entry, _, target) in plan)
        {
            using var source = file.Read(entry);
            target.copy_(source);
        }
        return report;
    }
}

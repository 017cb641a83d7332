using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// Copies an already transformed upstream state dict into a module, strictly: every parameter and buffer must be
/// present with the same shape and nothing may be left over; otherwise the error lists the offending keys.
/// (File-level loading is <c>ModuleWeights</c>; this is for loaders that must rewrite tensors first, e.g. resample.)
/// </summary>
internal static class StateDictCopy
{
    public static void Apply(nn.Module module, IReadOnlyDictionary<string, Tensor> source, string origin, ISet<string>? ignore = null)
    {
        var targets = module.state_dict();
        var missing = targets.Keys.Where(k => !source.ContainsKey(k)).ToList();
        var unexpected = source.Keys.Where(k => !targets.ContainsKey(k) && !(ignore?.Contains(k) ?? false)).ToList();
        var mismatched = targets.Where(t => source.TryGetValue(t.Key, out var s) && !s.shape.SequenceEqual(t.Value.shape))
            .Select(t => $"{t.Key} [{string.Join(",", source[t.Key].shape)}] vs [{string.Join(",", t.Value.shape)}]").ToList();
        if (missing.Count + unexpected.Count + mismatched.Count > 0)
            throw new InvalidDataException($"{origin} does not fit the model: missing [{string.Join(", ", missing)}], " +
                $"unexpected [{string.Join(", ", unexpected)}], shape mismatch [{string.Join(", ", mismatched)}].");
        using var _ = no_grad();
        foreach (var (key, target) in targets)
            target.copy_(source[key].to(target.dtype, target.device));
    }
}

using T2I.Core.Checkpoints;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// LPIPS-VGG weights from safetensors, accepting the upstream layouts: the full LPIPS module
/// (<c>net.sliceK.N.*</c> + <c>linK.model.1.weight</c>, e.g. taming's <c>vgg_lpips</c>), or torchvision's VGG16
/// (<c>features.N.*</c>) next to the lpips package's linear layers (<c>linK.model.1.weight</c>) in the same file.
/// The fixed <c>scaling_layer.shift/scale</c> buffers, if present, are constants and are skipped.
/// </summary>
public static class LpipsWeights
{
    private static readonly HashSet<string> Constants = new() { "scaling_layer.shift", "scaling_layer.scale" };

    public static string? MapKey(string key)
    {
        if (Constants.Contains(key)) return null;
        if (key.StartsWith("features.", StringComparison.Ordinal))
        {
            var parts = key.Split('.');
            if (parts.Length == 3 && int.TryParse(parts[1], out int index))
            {
                if (index >= 30) return null; // VGG16's classifier side of features is not used
                return $"net.slice{Vgg16Features.SliceOf(index)}.{index}.{parts[2]}";
            }
        }
        if (key.StartsWith("classifier.", StringComparison.Ordinal)) return null;
        return key;
    }

    internal static void LoadInto(Lpips lpips, string path)
    {
        using var scope = NewDisposeScope();
        var tensors = SafeTensors.Load(path, MapKey);
        StateDictCopy.Apply(lpips, tensors, $"LPIPS weights '{path}'");
    }
}

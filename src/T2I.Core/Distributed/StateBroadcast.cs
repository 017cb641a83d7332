using static TorchSharp.torch;

namespace T2I.Core.Distributed;

/// <summary>Makes every rank start from rank 0's state: weights, buffers (norm statistics) and any other tensors.</summary>
public static class StateBroadcast
{
    /// <summary>Broadcasts each module's parameters and buffers from <paramref name="root"/>, in state-dict order.</summary>
    public static void Modules(ICollective collective, IEnumerable<nn.Module> modules, int root = 0)
    {
        if (collective.WorldSize == 1) return;
        foreach (var module in modules)
            Tensors(collective, module.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value), root);
    }

    /// <summary>Broadcasts tensors in place (non-contiguous ones through a contiguous copy).</summary>
    public static void Tensors(ICollective collective, IEnumerable<Tensor> tensors, int root = 0)
    {
        if (collective.WorldSize == 1) return;
        using var noGrad = no_grad();
        foreach (var t in tensors)
        {
            if (t.is_contiguous())
            {
                collective.Broadcast(t, root);
                continue;
            }
            using var copy = t.contiguous();
            collective.Broadcast(copy, root);
            t.copy_(copy);
        }
    }
}

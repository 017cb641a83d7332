using T2I.Core.VisualTokenizer;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training.Tokenizer;

/// <summary>
/// AdamW with two parameter groups, as timm/DINOv2 build it: weight decay on weight matrices and kernels only; no
/// decay on biases, norm weights, LayerScale gammas and the ViT's learned tokens and positions
/// (<see cref="VisionTransformer.ExcludedFromWeightDecay"/>). Group order (decay, then no-decay) and the order
/// inside each group follow <paramref name="parameters"/>, so a resumed run rebuilds the same optimizer state layout.
/// </summary>
public static class WeightDecayGroups
{
    public static (Parameter[] Decay, Parameter[] NoDecay) Split(IEnumerable<(string Name, Parameter Parameter)> parameters)
    {
        var list = parameters.ToList();
        return (list.Where(p => !VisionTransformer.ExcludedFromWeightDecay(p.Name, p.Parameter)).Select(p => p.Parameter).ToArray(),
                list.Where(p => VisionTransformer.ExcludedFromWeightDecay(p.Name, p.Parameter)).Select(p => p.Parameter).ToArray());
    }

    public static optim.Optimizer AdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, double lr, double weightDecay)
    {
        var (decay, noDecay) = Split(parameters);
        var groups = new List<AdamW.ParamGroup>();
        if (decay.Length > 0) groups.Add(new AdamW.ParamGroup(decay, lr: lr, weight_decay: weightDecay));
        if (noDecay.Length > 0) groups.Add(new AdamW.ParamGroup(noDecay, lr: lr, weight_decay: 0));
        return new SafeAdamW(groups, lr, weightDecay: weightDecay);
    }
}

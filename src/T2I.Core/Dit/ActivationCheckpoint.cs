using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Dit;

/// <summary>
/// Gradient (activation) checkpointing: runs a block without keeping its intermediate activations and, in
/// backward, runs it again with autograd on and back-propagates through the recomputation. Parameter gradients
/// accumulate during that inner backward (as in PyTorch's reentrant checkpoint); input gradients are returned.
/// Only valid for deterministic blocks (the DiT blocks draw no random numbers). Memory: one block's activations
/// at a time instead of all of them, for about one extra forward per step.
/// </summary>
public sealed class ActivationCheckpoint : autograd.MultiTensorFunction<ActivationCheckpoint>
{
    private const string BlockKey = "block", PresentKey = "present", AutocastKey = "autocast";

    public override string Name => nameof(ActivationCheckpoint);

    /// <summary>
    /// <paramref name="block"/>(inputs) with its activations recomputed in backward. Every tensor the block reads goes
    /// through <paramref name="inputs"/> (nulls allowed): tensors captured in the closure may be disposed before backward.
    /// </summary>
    public static Tensor[] Run(Func<Tensor?[], Tensor[]> block, params Tensor?[] inputs) =>
        apply(new object?[] { block }.Concat(inputs).ToArray()!).ToArray();

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var block = (Func<Tensor?[], Tensor[]>)vars[0];
        var inputs = vars.Skip(1).Select(v => v as Tensor).ToArray();
        ctx.save_for_backward(inputs.OfType<Tensor>().ToList());
        ctx.save_data(BlockKey, block);
        ctx.save_data(PresentKey, inputs.Select(i => i is not null).ToArray());
        ctx.save_data(AutocastKey, Autocast.Dtype!); // backward may run on another thread or after the scope closed
        return block(inputs).ToList(); // autograd is off here: nothing inside is stored
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> gradOutputs)
    {
        var block = (Func<Tensor?[], Tensor[]>)ctx.get_data(BlockKey);
        var present = (bool[])ctx.get_data(PresentKey);
        using var saved = ctx.get_saved_variables().GetEnumerator();
        using var grad = enable_grad();
        using var precision = Autocast.Enable((ScalarType?)ctx.get_data(AutocastKey));
        var inputs = present.Select(p =>
        {
            if (!p) return null;
            saved.MoveNext();
            var t = saved.Current;
            return t.detach().requires_grad_(t.requires_grad);
        }).ToArray();
        autograd.backward(block(inputs), gradOutputs);
        var result = new List<Tensor> { null! }; // the block delegate has no gradient
        result.AddRange(inputs.Select(i => i is { requires_grad: true } ? i.grad! : null!));
        return result;
    }
}

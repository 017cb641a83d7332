using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.TorchSharpFixes;

/// <summary>
/// A Linear layer (same <c>weight</c>/<c>bias</c> names, initialisation and random draws as nn.Linear) that follows
/// <see cref="Autocast"/>: inside a scope it casts input, weight and bias to the scope's dtype and returns that dtype;
/// the cast is differentiable, so the fp32 parameters receive fp32 gradients.
/// </summary>
public sealed class AutocastLinear : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter? bias;

    public AutocastLinear(long inFeatures, long outFeatures, bool hasBias = true) : base(nameof(Linear))
    {
        using var init = nn.Linear(inFeatures, outFeatures, hasBias); // nn.Linear's initialisation, draw for draw
        using var noGrad = no_grad();
        weight = nn.Parameter(init.weight.detach().clone());
        bias = init.bias is { } b ? nn.Parameter(b.detach().clone()) : null;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (Autocast.Dtype is not { } dtype || dtype == weight.dtype) return nn.functional.linear(x, weight, bias);
        using var scope = NewDisposeScope();
        return nn.functional.linear(x.to_type(dtype), weight.to_type(dtype), bias?.to_type(dtype)).MoveToOuterDisposeScope();
    }
}

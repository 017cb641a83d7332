using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.TorchSharpFixes;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter) with the update of TorchSharp's <see cref="AdamW"/>, op for op, but every number
/// handed to libtorch is a Scalar this method keeps alive until the native call returns (see <see cref="ScalarSafe"/>).
/// Why: TorchSharp 0.107's own step builds throw-away Scalars for <c>β</c>, <c>1−β</c>, <c>lr·λ</c>, <c>ε</c> and the
/// step size; a GC from another thread can finalise one mid-call, and the step then throws
/// ("Expected false to be true" in <c>c10::Scalar::toDouble</c>) — a CI run lost a probe this way. The state objects are
/// TorchSharp's own (<see cref="AdamW.State"/>), so checkpointing and <c>state_dict</c> work unchanged.
/// AMSGrad and maximize are not supported (nothing here uses them).
/// </summary>
public sealed class SafeAdamW : AdamW
{
    private static readonly Scalar One = 1L.ToScalar();

    public SafeAdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
                     double eps = 1e-8, double weightDecay = 0.01)
        : base(parameters, lr, beta1, beta2, eps, weightDecay, amsgrad: false, maximize: false) { }

    public SafeAdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
                     double eps = 1e-8, double weightDecay = 0.01)
        : base(groups, lr, beta1, beta2, eps, weightDecay, amsgrad: false, maximize: false) { }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        if (options.amsgrad == true || options.maximize == true)
            throw new NotSupportedException("SafeAdamW supports neither AMSGrad nor maximize.");
        double lr = options.LearningRate!.Value, beta1 = options.beta1!.Value, beta2 = options.beta2!.Value;
        using var decay = (1 - lr * options.weight_decay!.Value).ToScalar();
        using var b1 = beta1.ToScalar();
        using var b2 = beta2.ToScalar();
        using var oneMinusB1 = (1 - beta1).ToScalar();
        using var oneMinusB2 = (1 - beta2).ToScalar();
        using var eps = options.eps!.Value.ToScalar();
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue;
            var state = (State)_state[param.Handle];
            state.step += 1;
            double biasCorrection1 = 1 - Math.Pow(beta1, state.step);
            double biasCorrection2 = 1 - Math.Pow(beta2, state.step);

            param.mul_(decay);
            state.exp_avg.mul_(b1).add_(grad, oneMinusB1);
            state.exp_avg_sq.mul_(b2).addcmul_(grad, grad, oneMinusB2);
            using var sqrtCorrection2 = Math.Sqrt(biasCorrection2).ToScalar();
            using var denom = state.exp_avg_sq.sqrt();
            denom.div_(sqrtCorrection2).add_(eps, One);
            using var negStepSize = (-lr / biasCorrection1).ToScalar();
            param.addcdiv_(state.exp_avg, denom, negStepSize);
        }
    }, closure!);
}

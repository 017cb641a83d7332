using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.TorchSharpFixes;

/// <summary>
/// Tensor arithmetic with .NET numbers that never hands libtorch a Scalar the GC may finalise mid-call.
/// <para>
/// Why: TorchSharp 0.107 passes <c>scalar.Handle</c> (a raw pointer) to native code without keeping the managed
/// <see cref="Scalar"/> alive, and its implicit conversions create Scalars that nothing else references —
/// <c>1 + x</c>, <c>x * 0.5</c>, <c>full(n, 0.3)</c>, <c>arange(…)</c>, and the hidden <c>alpha = 1</c> of every
/// tensor + tensor. When another thread triggers a GC while libtorch is inside that call, the Scalar's finaliser
/// deletes the c10::Scalar libtorch is about to read: an exception from <c>c10::Scalar::toFloat</c> ("Expected false
/// to be true") or, worse, a wrong value. Under a GC-heavy second thread <c>1 + x</c> failed ~200 times in 800k
/// calls (<c>training scalar-race</c>); the forms here failed 0 times.
/// </para>
/// Every Scalar here is either a static (rooted for the process, never finalised) or a <c>using</c> local disposed
/// after the native call returns (<c>With</c>). Tensor·tensor, tensor − tensor and tensor / tensor take no Scalar and stay as operators.
/// </summary>
public static class ScalarSafe
{
    private static readonly Scalar One = 1L.ToScalar();
    private static readonly Scalar Two = 2L.ToScalar();

    /// <summary>op with a Scalar of value that lives until op returns, then is disposed (never left to the finaliser).</summary>
    private static Tensor With(double value, Func<Scalar, Tensor> op)
    {
        using var scalar = value.ToScalar();
        return op(scalar);
    }

    /// <summary>The same with an integer Scalar (keeps an integer tensor integer).</summary>
    private static Tensor With(long value, Func<Scalar, Tensor> op)
    {
        using var scalar = value.ToScalar();
        return op(scalar);
    }

    /// <summary>a + b (the operator's implicit alpha = 1 would be a temporary Scalar).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a + s·b.</summary>
    public static Tensor PlusScaled(this Tensor a, Tensor b, double s) => With(s, v => a.add(b, v));

    /// <summary>a + gate·b in one op (the gated residual of adaLN-Zero blocks).</summary>
    public static Tensor PlusGated(this Tensor a, Tensor gate, Tensor b) => a.addcmul(gate, b, One);

    /// <summary>x + s.</summary>
    public static Tensor Plus(this Tensor x, double s) => With(s, v => x.add(v, One));

    /// <summary>1 + x.</summary>
    public static Tensor OnePlus(this Tensor x) => x.add(One, One);

    /// <summary>1 − x.</summary>
    public static Tensor OneMinus(this Tensor x) => x.neg().add(One, One);

    /// <summary>x − s.</summary>
    public static Tensor Minus(this Tensor x, double s) => With(s, v => x.sub(v));

    /// <summary>x / s.</summary>
    public static Tensor DividedBy(this Tensor x, double s) => With(s, v => x.div(v));

    /// <summary>s·x.</summary>
    public static Tensor Times(this Tensor x, double s) => With(s, v => x.mul(v));

    /// <summary>x^p.</summary>
    public static Tensor Power(this Tensor x, double p) => With(p, v => x.pow(v));

    /// <summary>x², as TorchSharp's <c>square()</c> (which is <c>pow(2)</c> with a temporary Scalar).</summary>
    public static Tensor Square(this Tensor x) => x.pow(Two);

    /// <summary>b^x element-wise for a number base b.</summary>
    public static Tensor PowerOf(double b, Tensor x)
    {
        using var value = tensor(b, x.dtype, x.device); // a 0-d tensor: TorchSharp has no pow(Scalar, Tensor)
        return value.pow(x);
    }

    /// <summary>x clamped to [min, max].</summary>
    public static Tensor Clamp(this Tensor x, double min, double max)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return x.clamp(lo, hi);
    }

    /// <summary>max(x, min), element-wise.</summary>
    public static Tensor ClampMin(this Tensor x, double min) => With(min, v => x.clamp_min(v));

    /// <summary>max(x, min) with an integer bound: keeps an integer tensor's dtype (a double bound would promote it).</summary>
    public static Tensor ClampMin(this Tensor x, long min) => With(min, v => x.clamp_min(v));

    /// <summary>x &lt; s, element-wise.</summary>
    public static Tensor LessThan(this Tensor x, double s) => With(s, v => x.lt(v));

    /// <summary>x ≥ s, element-wise.</summary>
    public static Tensor GreaterOrEqual(this Tensor x, double s) => With(s, v => x.ge(v));

    /// <summary>x with value where mask is true.</summary>
    public static Tensor MaskedFill(this Tensor x, Tensor mask, double value) => With(value, v => x.masked_fill(mask, v));

    /// <summary>LeakyReLU(x) (TorchSharp's module and functional convert the slope to a temporary Scalar).</summary>
    public static Tensor LeakyRelu(this Tensor x, double negativeSlope) => With(negativeSlope, v => x.leaky_relu(v));

    /// <summary>Fills x with value in place.</summary>
    public static Tensor FillWith(this Tensor x, double value) => With(value, v => x.fill_(v));

    /// <summary>x += 1 in place (a step counter such as BatchNorm's num_batches_tracked).</summary>
    public static Tensor Increment(this Tensor x) => x.add_(One, One);

    /// <summary>A 1-D tensor of n copies of value.</summary>
    public static Tensor Full(long n, double value, ScalarType dtype, Device? device = null) => With(value, v => full(new[] { n },
        v, dtype, device));

    /// <summary>start, start + step, … below stop.</summary>
    public static Tensor Arange(long start, long stop, long step, ScalarType dtype, Device? device = null)
    {
        using var a = start.ToScalar();
        using var b = stop.ToScalar();
        using var c = step.ToScalar();
        return arange(a, b, c, dtype, device);
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Nn;

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
/// after the native call returns. Tensor·tensor, tensor − tensor and tensor / tensor take no Scalar and stay as operators.
/// </summary>
public static class ScalarSafe
{
    private static readonly Scalar One = 1L.ToScalar();

    /// <summary>a + b (the operator's implicit alpha = 1 would be a temporary Scalar).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a + s·b.</summary>
    public static Tensor PlusScaled(this Tensor a, Tensor b, double s)
    {
        using var alpha = s.ToScalar();
        return a.add(b, alpha);
    }

    /// <summary>a + gate·b in one op (the gated residual of adaLN-Zero blocks).</summary>
    public static Tensor PlusGated(this Tensor a, Tensor gate, Tensor b) => a.addcmul(gate, b, One);

    /// <summary>x + s.</summary>
    public static Tensor Plus(this Tensor x, double s)
    {
        using var value = s.ToScalar();
        return x.add(value, One);
    }

    /// <summary>1 + x.</summary>
    public static Tensor OnePlus(this Tensor x) => x.add(One, One);

    /// <summary>1 − x.</summary>
    public static Tensor OneMinus(this Tensor x) => x.neg().add(One, One);

    /// <summary>s·x.</summary>
    public static Tensor Times(this Tensor x, double s)
    {
        using var value = s.ToScalar();
        return x.mul(value);
    }

    /// <summary>x^p.</summary>
    public static Tensor Power(this Tensor x, double p)
    {
        using var exponent = p.ToScalar();
        return x.pow(exponent);
    }

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
    public static Tensor ClampMin(this Tensor x, double min)
    {
        using var lo = min.ToScalar();
        return x.clamp_min(lo);
    }

    /// <summary>x &lt; s, element-wise.</summary>
    public static Tensor LessThan(this Tensor x, double s)
    {
        using var value = s.ToScalar();
        return x.lt(value);
    }

    /// <summary>A 1-D tensor of n copies of value.</summary>
    public static Tensor Full(long n, double value, ScalarType dtype, Device? device = null)
    {
        using var fill = value.ToScalar();
        return full(new[] { n }, fill, dtype, device);
    }

    /// <summary>start, start + step, … below stop.</summary>
    public static Tensor Arange(long start, long stop, long step, ScalarType dtype, Device? device = null)
    {
        using var a = start.ToScalar();
        using var b = stop.ToScalar();
        using var c = step.ToScalar();
        return arange(a, b, c, dtype, device);
    }
}

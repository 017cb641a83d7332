using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Dit;

/// <summary>
/// Rotary position embedding over N-axis integer ids (FLUX: (t, row, col)), each axis owning a slice of the
/// head dimension. Adjacent channel pairs (2i, 2i+1) are rotated. Text tokens carry id 0 on every axis, so
/// only image tokens receive a spatial phase — which is what lets one model run at any bucket aspect ratio.
/// </summary>
public sealed class Rope
{
    public IReadOnlyList<int> AxesDim { get; }
    public double Theta { get; }

    public Rope(IReadOnlyList<int> axesDim, double theta = 10000)
    {
        if (axesDim.Any(d => d % 2 != 0)) throw new ArgumentException("Every RoPE axis dimension must be even.", nameof(axesDim));
        AxesDim = axesDim;
        Theta = theta;
    }

    /// <summary>ids [N, L, axes] → angles [N, 1, L, headDim/2, 2] holding (cos, sin), broadcast over heads.</summary>
    public Tensor Embed(Tensor ids)
    {
        using var scope = NewDisposeScope();
        if (ids.shape[^1] != AxesDim.Count) throw new ArgumentException($"ids have {ids.shape[^1]} axes, RoPE expects {AxesDim.Count}.");
        var pos = ids.to_type(ScalarType.Float64);
        var parts = new List<Tensor>();
        for (int a = 0; a < AxesDim.Count; a++)
        {
            int dim = AxesDim[a];
            // omega_i = Theta^(−2i/dim); Scalar-free forms (ScalarSafe) because this runs in every forward.
            var exponents = ScalarSafe.Arange(0, dim, 2, ScalarType.Float64, ids.device).Times(-1.0 / dim);
            var omega = ScalarSafe.PowerOf(Theta, exponents);
            parts.Add(pos[.., .., a].unsqueeze(-1) * omega); // [N, L, dim/2]
        }
        var angles = cat(parts, dim: -1);
        var pe = stack(new[] { cos(angles), sin(angles) }, dim: -1).to_type(ScalarType.Float32).unsqueeze(1);
        return pe.MoveToOuterDisposeScope();
    }

    /// <summary>Rotates x [N, H, L, D] by pe from <see cref="Embed"/>, computed in fp32.</summary>
    public static Tensor Apply(Tensor x, Tensor pe)
    {
        using var scope = NewDisposeScope();
        var shape = x.shape;
        var pairs = x.to_type(ScalarType.Float32).reshape(shape[0], shape[1], shape[2], shape[3] / 2, 2);
        var x0 = pairs[TensorIndex.Ellipsis, 0];
        var x1 = pairs[TensorIndex.Ellipsis, 1];
        var c = pe[TensorIndex.Ellipsis, 0];
        var s = pe[TensorIndex.Ellipsis, 1];
        var rotated = stack(new[] { c * x0 - s * x1, (s * x0).Plus(c * x1) }, dim: -1).reshape(shape);
        return rotated.to_type(x.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Ids (0, row, col) of an h×w latent grid in row-major token order: [N, h·w, 3].</summary>
    public static Tensor ImageIds(long batch, long height, long width, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var rows = ScalarSafe.Arange(0, height, 1, ScalarType.Float32, device).unsqueeze(1).expand(height, width);
        var cols = ScalarSafe.Arange(0, width, 1, ScalarType.Float32, device).unsqueeze(0).expand(height, width);
        var ids = stack(new[] { zeros(height, width, device: device), rows, cols }, dim: -1).reshape(1, height * width, 3);
        return ids.expand(batch, -1, -1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Text ids: all zero, [N, L, 3].</summary>
    public static Tensor TextIds(long batch, long length, Device? device = null) =>
        zeros(batch, length, 3, device: device);
}

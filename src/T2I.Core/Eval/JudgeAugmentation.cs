using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Eval;

/// <summary>
/// Train-time degradations that make the judge read generated images, which are softer than the crisp
/// synthetic renders: downscale-then-upscale (a DiT at low resolution), Gaussian blur, pixel noise, a slight
/// brightness/contrast change, and horizontal mirroring (labels follow: every synthetic shape is mirror-symmetric,
/// positions swap left and right). One draw of parameters per batch; deterministic for a seed.
/// </summary>
public sealed class JudgeAugmentation
{
    private readonly Random rng;
    private readonly Generator generator;

    public JudgeAugmentation(int seed)
    {
        rng = new Random(seed);
        generator = new Generator((ulong)seed);
    }

    /// <summary>Degrades a batch [N, 3, H, W] in [-1, 1]; <paramref name="mirrored"/> says whether positions must be mirrored.</summary>
    public Tensor Apply(Tensor images, out bool mirrored)
    {
        using var scope = NewDisposeScope();
        var x = images;
        long h = x.shape[2], w = x.shape[3];
        if (rng.NextDouble() < 0.5)
        {
            double f = 0.5 + 0.5 * rng.NextDouble();
            long sh = Math.Max(8, (long)(h * f)), sw = Math.Max(8, (long)(w * f));
            x = nn.functional.interpolate(x, [sh, sw], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
            x = nn.functional.interpolate(x, [h, w], mode: InterpolationMode.Bilinear, align_corners: false);
        }
        if (rng.NextDouble() < 0.3) x = Blur(x, 0.3 + 0.9 * rng.NextDouble());
        if (rng.NextDouble() < 0.3)
            x = x.Plus(randn(x.shape, x.dtype, generator: generator).to(x.device).Times(0.06 * rng.NextDouble()));
        double contrast = 0.92 + 0.16 * rng.NextDouble(), brightness = -0.04 + 0.08 * rng.NextDouble();
        x = x.Times(contrast).Plus(brightness).Clamp(-1, 1);
        mirrored = rng.Next(2) == 1;
        if (mirrored) x = x.flip(3);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Separable Gaussian blur, 5 taps, reflect padding, per channel.</summary>
    public static Tensor Blur(Tensor x, double sigma)
    {
        using var scope = NewDisposeScope();
        var taps = Enumerable.Range(-2, 5).Select(i => (float)Math.Exp(-i * i / (2 * sigma * sigma))).ToArray();
        float sum = taps.Sum();
        var k = tensor(taps.Select(t => t / sum).ToArray(), device: x.device);
        long c = x.shape[1];
        var kx = k.view(1, 1, 1, 5).expand(c, 1, 1, 5).contiguous();
        var ky = k.view(1, 1, 5, 1).expand(c, 1, 5, 1).contiguous();
        var y = nn.functional.pad(x, [2, 2, 2, 2], TorchSharp.PaddingModes.Reflect);
        y = nn.functional.conv2d(y, kx, groups: c);
        y = nn.functional.conv2d(y, ky, groups: c);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>The position label seen in a mirrored image ("top left" ↔ "top right"; "center", "top" unchanged).</summary>
    public static string MirrorPosition(string position) =>
        string.Join(' ', position.Split(' ').Select(p => p switch { "left" => "right", "right" => "left", _ => p }));
}

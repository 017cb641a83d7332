using T2I.Core.Pretrained.ResNet;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// The tokenizer's encoder as ImageNet ResNet-18 up to <paramref name="Stage"/>: stage 3 (layer3, stride 16,
/// 256 channels) is the paper's f16 grid on images at their own size; stage 2 (stride 8, 128 channels) sees them
/// at half size, which keeps finer features for small images at the same grid.
/// </summary>
public sealed record ResNetEncoderConfig(int Stage = 3)
{
    public int Width => ResNet18.StageChannels[Stage - 1];
    public int Stride => ResNet18.StageStrides[Stage - 1];

    /// <summary>Trainable parameters up to the stage: each unit's convolution weight plus its batch-norm scale and shift.</summary>
    public long ParameterCount()
    {
        long count = 3 * 64 * 49 + 2 * 64;
        foreach (var (cin, cout, units) in Units())
            count += units.Sum(u => u.In * cout * u.Kernel * u.Kernel + 2 * cout);
        return count;
    }

    /// <summary>
    /// FLOPs (2 × multiply-adds) of the convolutions over an h×w feature grid, from the architecture alone: the stem at
    /// stride 2, every unit of stage k at stage k's stride.
    /// </summary>
    public long ForwardFlops(int h, int w)
    {
        double pixels = (double)h * Stride * w * Stride;
        double macs = 3 * 64 * 49 * pixels / 4;
        int k = 0;
        foreach (var (_, cout, units) in Units())
        {
            long s = ResNet18.StageStrides[k++];
            macs += units.Sum(u => (double)u.In * cout * u.Kernel * u.Kernel) * pixels / (s * s);
        }
        return (long)(2 * macs);
    }

    /// <summary>Per stage up to <see cref="Stage"/>: its widths and units (input width, kernel) in export order.</summary>
    private IEnumerable<(long In, long Out, (long In, long Kernel)[] Units)> Units()
    {
        for (int k = 0; k < Stage; k++)
        {
            long cin = k == 0 ? 64 : ResNet18.StageChannels[k - 1], cout = ResNet18.StageChannels[k];
            var units = new List<(long, long)>();
            if (cin != cout) units.Add((cin, 1)); // the first block's shortcut projection
            units.Add((cin, 3));
            units.Add((cout, 3));
            for (int b = 1; b < ResNet18.StageBlocks[k]; b++) units.AddRange([(cout, 3), (cout, 3)]);
            yield return (cin, cout, units.ToArray());
        }
    }

    public ResNetEncoderConfig Validate() =>
        Stage is >= 1 and <= 4 ? this : throw new ArgumentException($"ResNet-18 has stages 1–4, not {Stage}.");
}

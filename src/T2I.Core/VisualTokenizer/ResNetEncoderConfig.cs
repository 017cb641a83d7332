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

    /// <summary>
    /// FLOPs (2 × multiply-adds) of the convolutions over an h×w feature grid, from the architecture alone: the stem at
    /// stride 2, every unit of stage k at stage k's stride (the first block's conv1 and projection read the previous width).
    /// </summary>
    public long ForwardFlops(int h, int w)
    {
        double pixels = (double)h * Stride * w * Stride;
        double macs = 3 * 64 * 49 * pixels / 4;
        for (int k = 0; k < Stage; k++)
        {
            long cin = k == 0 ? 64 : ResNet18.StageChannels[k - 1], cout = ResNet18.StageChannels[k];
            long s = ResNet18.StageStrides[k];
            double first = cin * cout * 9 + cout * cout * 9 + (cin != cout ? cin * cout : 0);
            double rest = (ResNet18.StageBlocks[k] - 1) * 2 * cout * cout * 9;
            macs += (first + rest) * pixels / (s * s);
        }
        return (long)(2 * macs);
    }

    public ResNetEncoderConfig Validate() =>
        Stage is >= 1 and <= 4 ? this : throw new ArgumentException($"ResNet-18 has stages 1–4, not {Stage}.");
}

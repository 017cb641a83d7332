using T2I.Core.VisualTokenizer;

namespace T2I.Training.Tokenizer;

/// <summary>
/// Multiply-add FLOPs of one training step of a stage at its training resolution (square bucket), for
/// <c>training bench</c>'s achieved-FLOP/s figure. A trained module costs ≈ 3× its forward (forward + two backward
/// matmuls), a frozen one 1×. GAN terms are counted when the GAN is on from step 1 (stages 2–3): generator loss
/// through D (≈ 3×) plus D's own step on real and fake (≈ 6×). LPIPS is not counted.
/// </summary>
public static class TokenizerStepFlops
{
    public static long Compute(TokenizerStageConfig config, long batchSize)
    {
        var t = config.Tokenizer;
        int grid = config.TrainResolution / AlignedTokenizerConfig.Downsampling;
        long encoder = t.EncoderForwardFlops(grid, grid);
        long adapter = 2L * grid * grid * ((long)t.EncoderWidth * t.AdapterHidden + (long)t.AdapterHidden * t.LatentChannels);
        long decoder = t.Decoder.ForwardFlops(grid, grid);
        long gan = config.GanStartStep == 0 && config.GanWeight > 0
            ? 9 * config.Discriminator.ForwardFlops(config.TrainResolution, config.TrainResolution)
            : 0;
        long perImage = config.Kind switch
        {
            TokenizerStage.EncoderPretrain => 3 * encoder,
            TokenizerStage.LatentAlignment => encoder + 3 * (adapter + decoder) + gan,
            TokenizerStage.PerceptualAlignment => 3 * (encoder + adapter + decoder) + (encoder + adapter) + gan,
            _ => encoder + adapter + 3 * decoder + gan,
        };
        return perImage * batchSize;
    }
}

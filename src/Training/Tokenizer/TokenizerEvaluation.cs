using T2I.Core.Data;
using T2I.Core.VisualTokenizer;
using static TorchSharp.torch;

namespace T2I.Training.Tokenizer;

/// <summary>
/// The tokenizer's in-training evaluation on a fixed set of batches (read once with its own seed): PSNR and SSIM
/// of reconstructions, CKNNA latents vs encoder features, linear-probe accuracy of the pooled latents and of the
/// pooled encoder features per label field (the paper's "semantics kept?" signal), and a PNG grid of originals over
/// reconstructions. <c>training eval</c> runs the same measurement on held-out data.
/// </summary>
public sealed class TokenizerEvaluation : IDisposable
{
    private readonly TokenizerEvalSet set;
    private readonly Device device;

    public TokenizerEvaluation(BucketBatchReader reader, TokenizerStageConfig config, int batchSize, Device device)
    {
        this.device = device;
        set = TokenizerEvalSet.Read(reader, config.TrainResolution, config.EvalBatches * batchSize,
            config.ProbeFields.Prepend(config.LabelField));
    }

    public IReadOnlyDictionary<string, double> Run(AlignedTokenizer tokenizer, bool encoderOnly, string outputDir)
    {
        using var measurement = TokenizerMeasurement.Run(tokenizer, set, device, encoderOnly);
        measurement.SaveGrid(Path.Combine(outputDir, "reconstructions.png"));
        return measurement.Metrics(set);
    }

    public void Dispose() => set.Dispose();
}

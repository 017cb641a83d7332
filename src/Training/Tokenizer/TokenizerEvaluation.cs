using T2I.Core.Data;
using T2I.Core.Eval;
using T2I.Core.VisualTokenizer;
using static TorchSharp.torch;

namespace T2I.Training.Tokenizer;

/// <summary>
/// The tokenizer's evaluation on a fixed set of batches (read once with its own seed): PSNR and SSIM of reconstructions, CKNNA latents vs encoder features,
/// linear-probe accuracy of the spatially pooled latents and of the pooled encoder features (the paper's
/// "semantics kept?" signal), and a PNG grid of originals over reconstructions.
/// </summary>
public sealed class TokenizerEvaluation
{
    private readonly List<TokenizerBatch> batches = new();
    private readonly TokenizerStageConfig config;
    private readonly Device device;

    public TokenizerEvaluation(BucketBatchReader reader, TokenizerStageConfig config, Device device)
    {
        this.config = config;
        this.device = device;
        var position = BucketReaderPosition.Start;
        var enumerator = reader.ReadAsync(position).GetAsyncEnumerator();
        try
        {
            while (batches.Count < config.EvalBatches && enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                var batch = TokenizerBatch.From(enumerator.Current, config);
                batch.Images.DetachFromDisposeScope();
                batches.Add(batch);
            }
        }
        finally { enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    public IReadOnlyDictionary<string, double> Run(AlignedTokenizer tokenizer, bool encoderOnly, string outputDir)
    {
        using var scope = NewDisposeScope();
        var noGrad = no_grad(); // released before the probes: they fit a classifier with autograd
        bool wasTraining = tokenizer.training;
        tokenizer.eval();
        var latentFeatures = new List<Tensor>();
        var encoderFeatures = new List<Tensor>();
        var labels = new List<long>();
        var psnr = new List<double>();
        var ssim = new List<double>();
        (Tensor Originals, Tensor Reconstructions)? grid = null;
        foreach (var batch in batches)
        {
            var images = batch.Images.to(device);
            var features = tokenizer.EncoderFeatures(images);
            encoderFeatures.Add(features.mean(new long[] { 2, 3 }).cpu());
            labels.AddRange(batch.Labels);
            if (encoderOnly) continue;
            var latents = tokenizer.Adapter.forward(features);
            latentFeatures.Add(latents.mean(new long[] { 2, 3 }).cpu());
            var reconstruction = tokenizer.Decode(latents).clamp(-1, 1);
            psnr.AddRange(Psnr.PerImage(images, reconstruction));
            ssim.AddRange(Ssim.PerImage(images, reconstruction));
            grid ??= (images.cpu(), reconstruction.cpu());
        }
        if (wasTraining) tokenizer.train();
        noGrad.Dispose();

        var metrics = new Dictionary<string, double>();
        var labelled = labels.Select((l, i) => (l, i)).Where(t => t.l >= 0).Select(t => (long)t.i).ToArray();
        double Probe(List<Tensor> rows) => LinearProbe.Evaluate(cat(rows, 0).index_select(0, tensor(labelled)),
            labelled.Select(i => (int)labels[(int)i]).ToArray()).TestAccuracy;
        bool probe = labelled.Length >= 8;
        if (probe) metrics["lp_acc/encoder"] = Probe(encoderFeatures);
        if (encoderOnly) return metrics;
        if (probe) metrics["lp_acc/latent"] = Probe(latentFeatures);
        metrics["psnr"] = psnr.Average();
        metrics["ssim"] = ssim.Average();
        // How much of the encoder's neighbourhood structure the latents keep (PAPERS.md §B).
        if (labels.Count > Cknna.DefaultK + 1) metrics["cknna/latent_vs_encoder"] = Cknna.Compute(cat(latentFeatures, 0), cat(encoderFeatures, 0));
        if (grid is { } g) ReconstructionGrid.Save(g.Originals, g.Reconstructions, Path.Combine(outputDir, "reconstructions.png"));
        return metrics;
    }
}

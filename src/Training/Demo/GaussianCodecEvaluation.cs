using T2I.Core.Data;
using T2I.Core.Eval;
using T2I.Core.VisualTokenizer.Baseline;
using T2I.Training.Tokenizer;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training.Demo;

/// <summary>
/// The evaluation of a tokenizer with a Gaussian posterior (KL-VAE, VFM-VAE), reported under the aligned tokenizer's
/// metric names so they compare line by line: PSNR and SSIM of reconstructions through the posterior mean, the
/// linear-probe accuracy of spatially pooled latents, KL per latent element, and a PNG grid of originals over reconstructions.
/// </summary>
public sealed class GaussianCodecEvaluation
{
    private readonly List<TokenizerBatch> batches = new();
    private readonly Device device;

    /// <param name="settings">How the shards' rows become batches (resolution, label field).</param>
    public GaussianCodecEvaluation(BucketBatchReader reader, TokenizerStageConfig settings, int evalBatches, Device device)
    {
        this.device = device;
        var enumerator = reader.ReadAsync(BucketReaderPosition.Start).GetAsyncEnumerator();
        try
        {
            while (batches.Count < evalBatches && enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                var batch = TokenizerBatch.From(enumerator.Current, settings);
                batch.Images.DetachFromDisposeScope();
                batches.Add(batch);
            }
        }
        finally { enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    public IReadOnlyDictionary<string, double> Run<T>(T model, string outputDir) where T : nn.Module, IGaussianAutoencoder
    {
        using var scope = NewDisposeScope();
        var noGrad = no_grad(); // released before the probe: it fits a classifier with autograd
        bool wasTraining = model.training;
        model.eval();
        var pooled = new List<Tensor>();
        var labels = new List<long>();
        var psnr = new List<double>();
        var ssim = new List<double>();
        double klPerElement = 0;
        (Tensor, Tensor)? grid = null;
        foreach (var batch in batches)
        {
            var images = batch.Images.to(device);
            var posterior = model.Posterior(images);
            var reconstruction = model.Decode(posterior.Mean).Clamp(-1, 1);
            psnr.AddRange(Psnr.PerImage(images, reconstruction));
            ssim.AddRange(Ssim.PerImage(images, reconstruction));
            klPerElement += posterior.Kl().sum().item<float>() / posterior.Mean.numel() / batches.Count;
            pooled.Add(posterior.Mean.mean(new long[] { 2, 3 }).cpu());
            labels.AddRange(batch.Labels);
            grid ??= (images.cpu(), reconstruction.cpu());
        }
        if (wasTraining) model.train();
        noGrad.Dispose();

        var metrics = new Dictionary<string, double>();
        if (batches.Count == 0) return metrics;
        metrics["psnr"] = psnr.Average();
        metrics["ssim"] = ssim.Average();
        metrics["kl_per_element"] = klPerElement;
        var labelled = labels.Select((l, i) => (l, i)).Where(t => t.l >= 0).Select(t => (long)t.i).ToArray();
        if (labelled.Length >= 8)
            metrics["lp_acc/latent"] = LinearProbe.Evaluate(cat(pooled, 0).index_select(0, tensor(labelled)),
                labelled.Select(i => (int)labels[(int)i]).ToArray()).TestAccuracy;
        if (grid is { } g) ReconstructionGrid.Save(g.Item1, g.Item2, Path.Combine(outputDir, "reconstructions.png"));
        return metrics;
    }
}

using T2I.Core.Eval;
using T2I.Core.VisualTokenizer;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training.Tokenizer;

/// <summary>
/// One pass of a tokenizer over an evaluation set: spatially pooled encoder features and latents, per-image PSNR,
/// SSIM (and LPIPS when weights are given) of the reconstructions, and the first batch for a reconstruction grid.
/// <see cref="Metrics"/> turns it into the paper's numbers: linear-probe accuracy of latents and of encoder features
/// per label field (is the semantics kept?), reconstruction quality, and CKNNA latents vs encoder features.
/// </summary>
public sealed class TokenizerMeasurement : IDisposable
{
    public const int GridImages = 8;

    public required Tensor EncoderFeatures { get; init; }
    public Tensor? Latents { get; init; }
    public double[] Psnr { get; init; } = [];
    public double[] Ssim { get; init; } = [];
    public double[]? Lpips { get; init; }
    public (Tensor Originals, Tensor Reconstructions)? Grid { get; init; }
    /// <summary>Wall-clock seconds spent in encoding (encoder + adapter) and in decoding, summed over the set.</summary>
    public double EncodeSeconds { get; init; }
    public double DecodeSeconds { get; init; }

    /// <param name="encoderOnly">Features only (an encoder-pretraining run has no trained adapter or decoder).</param>
    public static TokenizerMeasurement Run(AlignedTokenizer tokenizer, TokenizerEvalSet set, Device device, bool encoderOnly,
        Lpips? lpips = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool wasTraining = tokenizer.training;
        tokenizer.eval();
        var encoderFeatures = new List<Tensor>();
        var latentFeatures = new List<Tensor>();
        var psnr = new List<double>();
        var ssim = new List<double>();
        var perceptual = new List<double>();
        (Tensor, Tensor)? grid = null;
        var encodeTime = new System.Diagnostics.Stopwatch();
        var decodeTime = new System.Diagnostics.Stopwatch();
        try
        {
            foreach (var batch in set.Batches)
            {
                using var batchScope = NewDisposeScope();
                var images = batch.to(device);
                encodeTime.Start();
                var features = tokenizer.EncoderFeatures(images);
                encodeTime.Stop();
                encoderFeatures.Add(FeaturePooling.MeanPool(features).cpu().MoveToOuterDisposeScope());
                if (encoderOnly) continue;
                encodeTime.Start();
                var latents = tokenizer.Adapter.forward(features).cpu();
                encodeTime.Stop();
                latentFeatures.Add(FeaturePooling.MeanPool(latents).MoveToOuterDisposeScope());
                decodeTime.Start();
                var reconstruction = tokenizer.Decode(latents.to(device)).Clamp(-1, 1).cpu();
                decodeTime.Stop();
                var originals = batch; // the set keeps its images on the CPU
                psnr.AddRange(T2I.Core.Eval.Psnr.PerImage(originals, reconstruction));
                ssim.AddRange(T2I.Core.Eval.Ssim.PerImage(originals, reconstruction));
                if (lpips is not null) perceptual.AddRange(lpips.forward(reconstruction.to(device),
                    images).flatten().cpu().to(ScalarType.Float64).data<double>().ToArray());
                if (grid is null)
                {
                    long n = Math.Min(GridImages, originals.shape[0]);
                    grid = (originals.narrow(0, 0, n).clone().MoveToOuterDisposeScope(), reconstruction.narrow(0, 0,
                        n).clone().MoveToOuterDisposeScope());
                }
            }
        }
        finally { if (wasTraining) tokenizer.train(); }
        (Tensor, Tensor)? kept = grid is { } g ? (g.Item1.DetachFromDisposeScope(), g.Item2.DetachFromDisposeScope()) : null;
        return new TokenizerMeasurement
        {
            EncoderFeatures = cat(encoderFeatures, 0).DetachFromDisposeScope(),
            Latents = encoderOnly ? null : cat(latentFeatures, 0).DetachFromDisposeScope(),
            Psnr = psnr.ToArray(), Ssim = ssim.ToArray(), Lpips = lpips is null ? null : perceptual.ToArray(), Grid = kept,
            EncodeSeconds = encodeTime.Elapsed.TotalSeconds, DecodeSeconds = decodeTime.Elapsed.TotalSeconds,
        };
    }

    /// <summary>
    /// <c>lp_acc/latent/FIELD</c>, <c>lp_acc/encoder/FIELD</c> (held-out accuracy of a linear probe, 25 % split),
    /// <c>psnr</c>, <c>ssim</c>, <c>lpips</c>, <c>cknna/latent_vs_encoder</c> — whatever the data allows.
    /// </summary>
    public Dictionary<string, double> Metrics(TokenizerEvalSet set)
    {
        var metrics = new Dictionary<string, double>();
        foreach (string field in set.Fields)
        {
            var (rows, classes, names) = set.Labelled(field);
            if (rows.Length < 8 || names.Length < 2) continue; // nothing to probe
            using var index = tensor(rows);
            double Probe(Tensor pooled) => LinearProbe.Evaluate(pooled.index_select(0, index), classes).TestAccuracy;
            metrics[$"lp_acc/encoder/{field}"] = Probe(EncoderFeatures);
            if (Latents is not null) metrics[$"lp_acc/latent/{field}"] = Probe(Latents);
        }
        int n = (int)EncoderFeatures.shape[0];
        if (EncodeSeconds > 0) metrics["speed/encode_images_per_s"] = n / EncodeSeconds;
        if (Latents is null) return metrics;
        if (DecodeSeconds > 0) metrics["speed/decode_images_per_s"] = n / DecodeSeconds;
        metrics["psnr"] = Psnr.Average();
        metrics["ssim"] = Ssim.Average();
        if (Lpips is { Length: > 0 }) metrics["lpips"] = Lpips.Average();
        // How much of the encoder's neighbourhood structure the latents keep (PAPERS.md §B).
        if (Latents.shape[0] > Cknna.DefaultK + 1) metrics["cknna/latent_vs_encoder"] = Cknna.Compute(Latents, EncoderFeatures);
        return metrics;
    }

    public void SaveGrid(string path)
    {
        if (Grid is { } g) ReconstructionGrid.Save(g.Originals, g.Reconstructions, path);
    }

    public void Dispose()
    {
        EncoderFeatures.Dispose();
        Latents?.Dispose();
        if (Grid is { } g) { g.Originals.Dispose(); g.Reconstructions.Dispose(); }
    }
}

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

    /// <summary>Pooled features of the tokenizer's own encoder; null for a tokenizer without a pretrained one.</summary>
    public Tensor? EncoderFeatures { get; init; }
    /// <summary>Pooled features of the fixed reference encoder (the packaged ResNet-18 to layer3), when one was given.</summary>
    public Tensor? ReferenceFeatures { get; init; }
    /// <summary>SE-CKNNA of the latents against the reference encoder, on the first images of the set.</summary>
    public SeCknnaResult? SeCknna { get; init; }
    public Tensor? Latents { get; init; }
    public double[] Psnr { get; init; } = [];
    public double[] Ssim { get; init; } = [];
    public double[]? Lpips { get; init; }
    /// <summary>The metric name <see cref="Lpips"/> is reported under (<c>lpips</c>, or <c>resnet_perceptual</c>).</summary>
    public string PerceptualKey { get; init; } = "lpips";
    public (Tensor Originals, Tensor Reconstructions)? Grid { get; init; }
    /// <summary>Wall-clock seconds spent in encoding (encoder + adapter) and in decoding, summed over the set.</summary>
    public double EncodeSeconds { get; init; }
    public double DecodeSeconds { get; init; }

    /// <param name="encoderOnly">Features only (an encoder-pretraining run has no trained adapter or decoder).</param>
    public static TokenizerMeasurement Run(AlignedTokenizer tokenizer, TokenizerEvalSet set, Device device, bool encoderOnly,
        Lpips? lpips = null) => Run(MeasuredTokenizer.Of(tokenizer), set, device, encoderOnly, lpips);

    /// <param name="lpips">A perceptual distance (LPIPS, or the ResNet-18 one reported as <paramref name="perceptualKey"/>).</param>
    /// <param name="reference">A fixed encoder (images → [N, C, h, w]) every tokenizer kind is compared against.</param>
    public static TokenizerMeasurement Run(MeasuredTokenizer tokenizer, TokenizerEvalSet set, Device device, bool encoderOnly,
        nn.Module<Tensor, Tensor, Tensor>? lpips = null, Func<Tensor, Tensor>? reference = null, string perceptualKey = "lpips")
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var module = tokenizer.Module;
        bool wasTraining = module.training;
        module.eval();
        var encoderFeatures = new List<Tensor>();
        var referenceFeatures = new List<Tensor>();
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
                var features = tokenizer.EncoderFeatures?.Invoke(images);
                encodeTime.Stop();
                if (features is not null) encoderFeatures.Add(FeaturePooling.MeanPool(features).cpu().MoveToOuterDisposeScope());
                if (reference is not null)
                    referenceFeatures.Add(FeaturePooling.MeanPool(reference(images)).cpu().MoveToOuterDisposeScope());
                if (encoderOnly) continue;
                encodeTime.Start();
                var latents = tokenizer.Latents(images, features).cpu();
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
        finally { if (wasTraining) module.train(); }
        (Tensor, Tensor)? kept = grid is { } g ? (g.Item1.DetachFromDisposeScope(), g.Item2.DetachFromDisposeScope()) : null;
        return new TokenizerMeasurement
        {
            EncoderFeatures = encoderFeatures.Count > 0 ? cat(encoderFeatures, 0).DetachFromDisposeScope() : null,
            ReferenceFeatures = referenceFeatures.Count > 0 ? cat(referenceFeatures, 0).DetachFromDisposeScope() : null,
            SeCknna = reference is null || encoderOnly ? null : SeCknnaOnFirst(tokenizer, set, device, reference),
            Latents = encoderOnly ? null : cat(latentFeatures, 0).DetachFromDisposeScope(),
            Psnr = psnr.ToArray(), Ssim = ssim.ToArray(), Lpips = lpips is null ? null : perceptual.ToArray(), Grid = kept,
            PerceptualKey = perceptualKey,
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
            if (EncoderFeatures is not null) metrics[$"lp_acc/encoder/{field}"] = Probe(EncoderFeatures);
            if (ReferenceFeatures is not null) metrics[$"lp_acc/resnet18/{field}"] = Probe(ReferenceFeatures);
            if (Latents is not null) metrics[$"lp_acc/latent/{field}"] = Probe(Latents);
        }
        int n = set.Count;
        if (EncodeSeconds > 0) metrics["speed/encode_images_per_s"] = n / EncodeSeconds;
        if (Latents is null) return metrics;
        if (DecodeSeconds > 0) metrics["speed/decode_images_per_s"] = n / DecodeSeconds;
        metrics["psnr"] = Psnr.Average();
        metrics["ssim"] = Ssim.Average();
        if (Lpips is { Length: > 0 }) metrics[PerceptualKey] = Lpips.Average();
        // How much of the encoder's neighbourhood structure the latents keep (PAPERS.md §B).
        if (Latents.shape[0] > Cknna.DefaultK + 1)
        {
            if (EncoderFeatures is not null) metrics["cknna/latent_vs_encoder"] = Cknna.Compute(Latents, EncoderFeatures);
            if (ReferenceFeatures is not null) metrics["cknna/latent_vs_resnet18"] = Cknna.Compute(Latents, ReferenceFeatures);
        }
        if (SeCknna is not null) metrics["se_cknna/latent_vs_resnet18"] = SeCknna.Mean;
        return metrics;
    }

    /// <summary>Images SE-CKNNA perturbs: up to this many of the set's, those of other buckets resized to the commonest
    /// bucket's size (the perturbations work on one tensor).</summary>
    public const int SeCknnaImages = 256;

    private static SeCknnaResult? SeCknnaOnFirst(MeasuredTokenizer tokenizer, TokenizerEvalSet set, Device device,
        Func<Tensor, Tensor> reference)
    {
        if (set.Batches.Count == 0) return null;
        using var scope = NewDisposeScope();
        var common = set.Batches.GroupBy(b => (b.shape[2], b.shape[3])).MaxBy(g => g.Sum(b => b.shape[0]))!.Key;
        var images = cat(set.Batches.Select(b => (b.shape[2], b.shape[3]) == common ? b
            : nn.functional.interpolate(b, new[] { common.Item1, common.Item2 }, mode: InterpolationMode.Bilinear, antialias: true))
            .ToList(), 0);
        using var picked = images.narrow(0, 0, Math.Min(SeCknnaImages, images.shape[0])).to(device);
        if (picked.shape[0] <= Cknna.DefaultK + 1) return null;
        return T2I.Core.Eval.SeCknna.Compute(picked, x => FeaturePooling.MeanPool(tokenizer.Latents(x, null)),
            x => FeaturePooling.MeanPool(reference(x)));
    }

    public void SaveGrid(string path)
    {
        if (Grid is { } g) ReconstructionGrid.Save(g.Originals, g.Reconstructions, path);
    }

    public void Dispose()
    {
        EncoderFeatures?.Dispose();
        ReferenceFeatures?.Dispose();
        Latents?.Dispose();
        if (Grid is { } g) { g.Originals.Dispose(); g.Reconstructions.Dispose(); }
    }
}

using SkiaSharp;
using T2I.Core.Data;
using T2I.Core.Eval;
using T2I.Core.VisualTokenizer;
using static TorchSharp.torch;

namespace T2I.Training.Tokenizer;

/// <summary>
/// The tokenizer's evaluation on a fixed set of batches (read once with its own seed): PSNR of reconstructions,
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
        using var noGrad = no_grad();
        bool wasTraining = tokenizer.training;
        tokenizer.eval();
        var latentFeatures = new List<Tensor>();
        var encoderFeatures = new List<Tensor>();
        var labels = new List<long>();
        double psnrSum = 0;
        Tensor? grid = null;
        foreach (var batch in batches)
        {
            var images = batch.Images.to(device);
            var features = tokenizer.EncoderFeatures(images);
            encoderFeatures.Add(features.mean(new long[] { 2, 3 }).cpu());
            labels.AddRange(batch.Labels);
            if (encoderOnly) continue;
            var latents = tokenizer.Adapter.forward(features);
            latentFeatures.Add(latents.mean(new long[] { 2, 3 }).cpu());
            var reconstruction = tokenizer.Decode(latents);
            psnrSum += Psnr.Compute(images, reconstruction);
            grid ??= cat(new[] { images, reconstruction.clamp(-1, 1) }, 2).cpu(); // originals above reconstructions
        }
        if (wasTraining) tokenizer.train();

        var metrics = new Dictionary<string, double>();
        var labelled = labels.Select((l, i) => (l, i)).Where(t => t.l >= 0).Select(t => t.i).ToArray();
        double Probe(List<Tensor> rows)
        {
            var all = cat(rows, 0);
            return LinearProbe.Accuracy(all.index_select(0, tensor(labelled)), labelled.Select(i => labels[i]).ToArray(), config.LabelClasses.Length);
        }
        if (labelled.Length >= 8) metrics["lp_acc/encoder"] = Probe(encoderFeatures);
        if (encoderOnly) return metrics;
        if (labelled.Length >= 8) metrics["lp_acc/latent"] = Probe(latentFeatures);
        metrics["psnr"] = psnrSum / batches.Count;
        if (grid is not null) SaveGrid(grid, Path.Combine(outputDir, "reconstructions.png"));
        return metrics;
    }

    private static void SaveGrid(Tensor grid, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var row = cat(grid.unbind(0), 2); // [3, 2H, N·W]
        using var bitmap = ImageTensor.ToBitmap(row);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        string temp = path + ".tmp";
        File.WriteAllBytes(temp, data.ToArray());
        File.Move(temp, path, overwrite: true);
    }
}

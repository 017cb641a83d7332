using System.CommandLine;
using System.Text.Json;
using T2I.Cli;
using T2I.Core;
using T2I.Core.Eval;
using T2I.Core.Storage;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training train-concept-judge --data SHARDS --out DIR</c>: the judge of "does this image show the prompted concept",
/// a softmax head over the concepts of labelled real images (the emoji buckets) on frozen ImageNet ResNet-18 features.
/// It first validates itself leaving each style out (the bound for judging generations, an unseen style), then trains
/// on every style and saves (validation in DIR/validation.json).
/// </summary>
public static class TrainConceptJudgeCommand
{
    public static Command Build()
    {
        var data = new Option<string>("--data")
        {
            Description = "Bucketed shards with a 'label' per row (local or s3://).", Required = true,
        };
        var output = new Option<string>("--out") { Description = "Folder for the judge.", Required = true };
        var resolution = new Option<int>("--resolution") { Description = "Bucket resolution of --data.", DefaultValueFactory = _ => 64 };
        var imageSize = new Option<int>("--image-size")
        {
            Description = "Side the images are resized to for ResNet-18.", DefaultValueFactory = _ => ResNetFeatures.DefaultImageSize,
        };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the features.", DefaultValueFactory = _ => 20 };
        var limit = new Option<int>("--limit") { Description = "At most this many rows (0 = all).", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "Torch CPU threads.", DefaultValueFactory = _ => 2 };
        var command = new Command("train-concept-judge",
            "Train the concept judge (ResNet-18 features → concept) on labelled real images; validate it per held-out style.")
        {
            data, output, resolution, imageSize, epochs, limit, threads,
        };
        command.SetAction(async (parse, ct) =>
        {
            var outw = parse.InvocationConfiguration.Output;
            TorchRuntime.SetThreads(parse.GetValue(threads));
            int max = parse.GetValue(limit) is > 0 and var l ? l : int.MaxValue;
            string dir = parse.GetRequiredValue(output);
            using var encoder = ResNetFeatures.FromPackage(parse.GetValue(imageSize));
            string location = parse.GetRequiredValue(data);
            string source = $"{location} res {parse.GetValue(resolution)} limit {max} {encoder.Name} {encoder.ImageSize}";
            using var features = ConceptFeatures.TryLoad(dir, source) ?? await EncodeAsync();
            string[] concepts = features.Concepts.Distinct().Order(StringComparer.Ordinal).ToArray();
            outw.WriteLine($"train-concept-judge: {features.Count} images ({features.Skipped} skipped), {concepts.Length} concepts, " +
                           $"styles {string.Join(", ", features.Styles.Distinct().Order(StringComparer.Ordinal))}");

            var options = new ConceptJudgeOptions(Epochs: parse.GetValue(epochs));
            var holdOuts = ConceptJudgeValidation.LeaveOneStyleOut(features, concepts, encoder.Name, encoder.ImageSize, options);
            foreach (var h in holdOuts) outw.WriteLine($"  held-out style {h.Style,-12} {h.Accuracy}");
            var pooled = ConceptJudgeValidation.Pooled(holdOuts);
            outw.WriteLine($"  pooled (each image by the judge that never saw its style): {pooled}");

            using var judge = ConceptJudgeValidation.Fit(features, concepts, encoder.Name, encoder.ImageSize, options);
            judge.Save(dir, new Dictionary<string, string> { ["format"] = "t2i-concept-judge", ["trained_on"] = location });
            string path = Path.Combine(dir, TrainJudgeCommand.ValidationFile);
            File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(new
            {
                data = location, images = features.Count, concepts = concepts.Length, image_size = encoder.ImageSize,
                held_out = holdOuts.Select(h => new { h.Style, h.Accuracy.Count, h.Accuracy.Top1, h.Accuracy.Top5 }),
            }, new JsonSerializerOptions { WriteIndented = true }));
            File.Move(path + ".tmp", path, overwrite: true);
            outw.WriteLine($"train-concept-judge: saved {dir}");
            return 0;

            async Task<ConceptFeatures> EncodeAsync()
            {
                var rows = await AttributeDataset.ReadRowsAsync(BlobStores.Open(location), parse.GetValue(resolution), max, ct);
                var encoded = await ConsoleProgress.RunAsync("features", progress => Task.Run(() =>
                    ConceptFeatures.Encode(rows, encoder, progress: new Progress<int>(n =>
                        progress.Report(new ProgressUpdate("resnet18 features", n, rows.Count)))), ct));
                encoded.Save(dir, source); // only fresh features: a cache hit is not written back
                return encoded;
            }
        });
        return command;
    }
}

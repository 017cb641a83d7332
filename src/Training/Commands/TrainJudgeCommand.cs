using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using T2I.Core;
using T2I.Cli;
using T2I.Core.Eval;
using T2I.Core.Storage;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training train-judge --data SHARDS --out DIR [--test SHARDS]</c>: trains the synthetic-attribute judge on the
/// labels of dataprep's bucketed synth shards and, given a held-out set, prints its accuracy per attribute and per
/// aspect bucket, crisp and softened (written to DIR/validation.json too).
/// </summary>
public static class TrainJudgeCommand
{
    public const string ValidationFile = "validation.json";

    public static Command Build()
    {
        var data = new Option<string>("--data")
        {
            Description = "Bucketed shards (dataprep ingest output: folder or s3://) with " +
            "synth labels.", Required = true
        };
        var test = new Option<string?>("--test") { Description = "Held-out bucketed shards (another synth seed) to validate on." };
        var output = new Option<string>("--out") { Description = "Folder for judge.safetensors + judge.json.", Required = true };
        var resolution = new Option<int>("--resolution")
        {
            Description = "Bucket table of the shards (res{R}/).",
            DefaultValueFactory = _ => 256
        };
        var limit = new Option<int>("--limit")
        {
            Description = "Use at most this many training rows.", DefaultValueFactory = _ =>
            int.MaxValue
        };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 12 };
        var shortSide = new Option<int>("--short-side")
        {
            Description = "Judge input short side in pixels (aspect kept).",
            DefaultValueFactory = _ => 64
        };
        var width = new Option<int>("--width")
        {
            Description = "Channels of the first convolution (multiple of 8).",
            DefaultValueFactory = _ => 16
        };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var from = new Option<string?>("--from")
        {
            Description = "Continue from a saved judge (its vocabulary, size and width; " +
            "--short-side/--width ignored)."
        };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate (cosine decay to 0).", DefaultValueFactory = _ => 2e-3 };
        var threads = new Option<int>("--threads")
        {
            Description = "Torch threads (1 is fastest on a shared 2-core machine: more " +
            "threads spin against other processes).", DefaultValueFactory = _ => 1
        };
        var command = new Command("train-judge",
            "Train the judge that reads colour, shape, background, size and position of synthetic images (generation accuracy).")
        {
            data, test, output, resolution, limit, epochs, shortSide, width, seed, from, lr, threads,
        };
        command.SetAction(async (parse, ct) =>
        {
            var outw = parse.InvocationConfiguration.Output;
            int res = parse.GetValue(resolution);
            TorchRuntime.SetThreads(parse.GetValue(threads));
            TorchRuntime.Seed(parse.GetValue(seed));
            AttributeDataset train;
            SyntheticAttributeClassifier judge;
            try
            {
                var rows = await AttributeDataset.ReadRowsAsync(BlobStores.Open(parse.GetRequiredValue(data)), res,
                    parse.GetValue(limit), ct);
                var start = parse.GetValue(from) is { } f ? SyntheticAttributeClassifier.Load(f) : null;
                train = AttributeDataset.FromRows(rows, start?.ShortSide ?? parse.GetValue(shortSide), start?.Vocabulary);
                judge = start ?? new SyntheticAttributeClassifier(train.Vocabulary, parse.GetValue(shortSide), parse.GetValue(width));
            }
            catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException or FormatException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"train-judge: {e.Message}");
                return 2;
            }
            outw.WriteLine($"train-judge: {train.Count} labelled images ({train.Skipped} skipped) in {train.Groups.Count} buckets; " +
                           string.Join(", ", train.Vocabulary.Attributes.Select(a => $"{a.Classes.Count} {a.Name}s")));
            var options = new AttributeClassifierTrainOptions(Epochs: parse.GetValue(epochs), LearningRate: parse.GetValue(lr),
                Seed: parse.GetValue(seed));
            string dir = parse.GetRequiredValue(output);
            var metadata = new Dictionary<string, string> { ["format"] = "t2i-judge", ["trained_on"] = parse.GetRequiredValue(data) };
            // Saved after every epoch: a run stopped early still leaves a usable judge.
            await ConsoleProgress.RunAsync("train-judge", progress => Task.Run(() =>
                AttributeClassifierTrainer.Train(judge, train, options, (e, loss) =>
                {
                    judge.Save(dir, new Dictionary<string, string>(metadata) { ["epochs"] = $"{e + 1}" });
                    progress.Report(new ProgressUpdate("epochs", e + 1, options.Epochs, $"loss {loss:0.000}"));
                }), ct));
            outw.WriteLine($"train-judge: saved {dir} ({judge.parameters().Sum(p => p.numel()):N0} parameters)");
            if (parse.GetValue(test) is { } testLocation)
            {
                var rows = await AttributeDataset.ReadRowsAsync(BlobStores.Open(testLocation), res, int.MaxValue, ct);
                var held = AttributeDataset.FromRows(rows, judge.ShortSide, judge.Vocabulary);
                var crisp = JudgeValidation.Evaluate(judge, held);
                var soft = JudgeValidation.Evaluate(judge, held, JudgeValidation.Soften);
                outw.WriteLine($"held-out {testLocation}: {held.Count} images ({held.Skipped} skipped), crisp:");
                outw.Write(JudgeValidation.Table(crisp));
                outw.WriteLine("softened (half-size round trip + blur σ 0.8):");
                outw.Write(JudgeValidation.Table(soft));
                string path = Path.Combine(dir, ValidationFile);
                File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(new { test = testLocation, crisp, soft },
                    new JsonSerializerOptions { WriteIndented = true }));
                File.Move(path + ".tmp", path, overwrite: true);
            }
            return 0;
        });
        return command;
    }
}

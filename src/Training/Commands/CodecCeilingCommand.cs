using System.CommandLine;
using T2I.Core;
using T2I.Core.Data;
using T2I.Core.Eval;
using T2I.Core.Inference;
using static TorchSharp.torch;
using T2I.Training.Dit;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training codec-ceiling --data BUCKETS --latents dct --judge models/judge-synth</c>: the judge's colour/shape
/// accuracy on real labelled images at the DiT's training resolution, as they are and after the codec's
/// encode → decode. A DiT trained on those latents cannot beat the round trip, so this is the ceiling of gen-accuracy.
/// </summary>
public static class CodecCeilingCommand
{
    public static Command Build()
    {
        var data = new Option<string>("--data") { Description = "Bucketed shards (dataprep ingest output).", Required = true };
        var latents = new Option<string>("--latents")
        {
            Description = "Codec: dct or a tokenizer folder.",
            DefaultValueFactory = _ => "dct"
        };
        var judge = new Option<string>("--judge")
        {
            Description = "Synthetic-attribute judge folder.", DefaultValueFactory = _ =>
            "models/judge-synth"
        };
        var resolution = new Option<int>("--resolution")
        {
            Description = "Training resolution (bucket table).",
            DefaultValueFactory = _ => 128
        };
        var shardResolution = new Option<int>("--shard-resolution") { DefaultValueFactory = _ => 256 };
        var word = new Option<string>("--caption-word")
        {
            Description = "Only rows whose caption holds this word (e.g. large).",
            DefaultValueFactory = _ => ""
        };
        var max = new Option<int>("--max") { Description = "Rows to judge.", DefaultValueFactory = _ => 300 };
        var noise = new Option<double>("--latent-noise")
        {
            Description = "Also decode latents + σ × per-channel std × N(0,1) (how " +
            "off-manifold samples decode)."
        };
        var command = new Command("codec-ceiling",
            "Judge accuracy on real images before and after the latent codec's round trip (the ceiling of gen-accuracy).")
        {
            data, latents, judge, resolution, shardResolution, word, max, noise,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            TorchRuntime.SetThreads(1);
            try
            {
                using var classifier = SyntheticAttributeClassifier.Load(parse.GetRequiredValue(judge));
                var codec = LatentCodecs.Open(parse.GetRequiredValue(latents));
                int skipped = 0, res = parse.GetValue(resolution);
                string w = parse.GetValue(word) ?? "";
                var rows = ShardRows.Read(ShardRows.Open(parse.GetRequiredValue(data), parse.GetValue(shardResolution)), 0, ref skipped)
                    .Where(r => !string.IsNullOrEmpty(r.Labels) && (w.Length == 0 || ShardRows.HasWord(r.Caption,
                        w))).Take(parse.GetValue(max)).ToList();
                var wanted = new List<AttributeRequest>();
                var plain = new List<Tensor>();
                var encoded = new List<Tensor>();
                foreach (var row in rows)
                {
                    if (ShardRows.ToTensor(row, AspectBuckets.Nearest(res, row.Width, row.Height)) is not { } image) continue;
                    var labels = AttributeRequest.FromLabels(row.Labels!);
                    wanted.Add(new AttributeRequest(labels.Color, labels.Shape));
                    plain.Add(image);
                    using (no_grad()) encoded.Add(codec.Encode(image.unsqueeze(0)));
                }
                List<Tensor> Decoded(IEnumerable<Tensor> zs) { using (no_grad()) return zs.Select(codec.Decode).ToList(); }
                output.WriteLine($"{wanted.Count} real images at res {res}{(w.Length > 0 ? $" with '{w}' in the caption" : "")}");
                output.WriteLine("as they are:");
                output.Write(GenerationAccuracy.Evaluate(classifier, plain, wanted).Summary());
                output.WriteLine($"after {parse.GetValue(latents)} encode → decode:");
                output.Write(GenerationAccuracy.Evaluate(classifier, Decoded(encoded), wanted).Summary());
                if (parse.GetValue(noise) is > 0 and var sigma)
                {
                    output.WriteLine($"after encode, + {sigma} × per-channel std of Gaussian noise, decode:");
                    output.Write(GenerationAccuracy.Evaluate(classifier, Decoded(LatentNoise.Add(encoded, sigma, seed: 0)),
                        wanted).Summary());
                }
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or FormatException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"codec-ceiling: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}

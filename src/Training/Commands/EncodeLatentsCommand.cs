using System.CommandLine;
using T2I.Core;
using T2I.Core.Inference;
using T2I.Training.Dit;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training encode-latents --data BUCKETS --latents CODEC --out LATENTS [--shard-index I --shard-count N]</c>: bucketed
/// image shards → latent shards for DiT training (<see cref="LatentEncoder"/>); local or s3://, resumable, idempotent.
/// </summary>
public static class EncodeLatentsCommand
{
    public static Command Build()
    {
        var data = new Option<string>("--data")
        {
            Description = "Bucketed image shards (dataprep ingest output), local or s3://.",
            Required = true
        };
        var output = new Option<string>("--out") { Description = "Latent shard folder to write, local or s3://.", Required = true };
        var latents = new Option<string>("--latents")
        {
            Description = "Codec: dct, or a tokenizer checkpoint/run/exported folder.",
            DefaultValueFactory = _ => "runs/tok-tiny-s3"
        };
        var resolution = new Option<int>("--resolution")
        {
            Description = "The DiT's training resolution (bucket table).",
            DefaultValueFactory = _ => 128
        };
        var shardResolution = new Option<int>("--shard-resolution")
        {
            Description = "Which res{N}/ table of the input to read.",
            DefaultValueFactory = _ => 256
        };
        var word = new Option<string>("--caption-word")
        {
            Description = "Only rows whose caption holds this word.",
            DefaultValueFactory = _ => ""
        };
        var max = new Option<int>("--max-samples") { Description = "At most this many rows, in input order (0 = all)." };
        var index = new Option<int>("--shard-index") { Description = "This process's part of the input shards (0-based)." };
        var count = new Option<int>("--shard-count")
        {
            Description = "Processes splitting the input shards.",
            DefaultValueFactory = _ => 1
        };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | cuda:N.", DefaultValueFactory = _ => "auto" };
        var dtype = new Option<string>("--dtype")
        {
            Description = "Storage of the latents: float32, bfloat16 or float16 (half the bytes; recorded in latents.json).",
            DefaultValueFactory = _ => LatentStorage.Float32,
        };
        var command = new Command("encode-latents", "Encode bucketed image shards to latent shards (per bucket: latent, caption, " +
            "key; the codec's identity recorded). Rerun after a kill to finish; --shard-index/--shard-count split the work.")
        {
            data, output, latents, resolution, shardResolution, word, max, index, count, device, dtype,
        };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            var job = new LatentEncodeJob(parse.GetRequiredValue(data), parse.GetValue(shardResolution), parse.GetValue(resolution),
                parse.GetRequiredValue(output))
            {
                CaptionWord = parse.GetValue(word) ?? "", MaxSamples = parse.GetValue(max), ShardIndex = parse.GetValue(index),
                ShardCount = parse.GetValue(count), Dtype = parse.GetValue(dtype) ?? LatentStorage.Float32,
            };
            try
            {
                job.Validate();
                var dev = TorchRuntime.ResolveDevice(parse.GetValue(device) ?? "auto");
                var source = LatentCodecs.Describe(parse.GetRequiredValue(latents));
                var codec = LatentCodecs.Open(source, dev);
                LatentEncoder.Run(job, codec, source.Identity, dev, parse.InvocationConfiguration.Output.WriteLine);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or InvalidOperationException
                or DirectoryNotFoundException or FileNotFoundException)
            {
                error.WriteLine($"encode-latents: {e.Message}");
                return LaunchCommand.ExitUsage;
            }
        });
        return command;
    }
}

using System.CommandLine;
using System.Diagnostics;
using T2I.Core;
using T2I.Core.Data;
using T2I.Core.Inference;
using TorchSharp;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training demo bench [MODEL]</c>: wall time of whole generations as the web app runs them (text encoder, DDIM
/// with CFG, latent decoder, PNG), at the model's square base bucket; prints each repeat and the best, then images/s
/// for each <c>--batch</c> size (batched sampling, as a worker draws a request's images or compatible queued requests).
/// </summary>
public static class GenerateBenchCommand
{
    public static Command Build()
    {
        var model = new Argument<string>("model")
        {
            Description = "Exported model or T2I checkpoint folder.",
            DefaultValueFactory = _ => "models/t2i-demo"
        };
        var steps = new Option<int>("--steps")
        {
            Description = $"DDIM steps ({GenerationLimits.MinSteps}–{GenerationLimits.MaxSteps}).",
            DefaultValueFactory = _ => GenerationRequest.DefaultSteps
        };
        var guidance = new Option<double>("--guidance")
        {
            Description =
            $"CFG scale ({GenerationLimits.MinGuidance}–{GenerationLimits.MaxGuidance}).",
            DefaultValueFactory = _ => GenerationRequest.DefaultGuidance
        };
        var repeats = new Option<int>("--repeats") { Description = "Timed generations after one warm-up.", DefaultValueFactory = _ => 3 };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | cuda:N.", DefaultValueFactory = _ => "auto" };
        var batches = new Option<int[]>("--batch")
        {
            Description = "Batch sizes to time (images/s of each, best of the repeats).",
            DefaultValueFactory = _ => [1, 2, 4],
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("bench", "Time full generations (prompt → PNG) of a model: DDIM + CFG at its base resolution.")
        {
            model, steps, guidance, repeats, device, batches,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            var pipeline = T2IPipeline.FromCheckpoint(parse.GetValue(model)!, device: dev);
            pipeline = new T2IPipeline(pipeline) { PreviewEvery = 0 };
            var bucket = AspectBuckets.Nearest(pipeline.BaseResolution, 1, 1);
            var request = new GenerationRequest("a red circle on a white background", "", bucket.Width, bucket.Height,
                parse.GetValue(steps), parse.GetValue(guidance), 1);
            if (GenerationValidator.Validate(request, pipeline.BaseResolution) is { } invalid)
            {
                parse.InvocationConfiguration.Error.WriteLine($"bench: {invalid}");
                return 2;
            }
            pipeline.Generate(request with { Steps = 2 }); // warm-up: allocator, kernels
            double best = double.MaxValue;
            for (int i = 0; i < parse.GetValue(repeats); i++)
            {
                var clock = Stopwatch.StartNew();
                pipeline.Generate(request with { Seed = i });
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
                output.WriteLine($"generation {i + 1}: {clock.Elapsed.TotalSeconds:0.000} s");
            }
            output.WriteLine($"{pipeline.ModelId}: {bucket.Name}, {request.Steps} DDIM steps, CFG {request.Guidance} on {dev} " +
                $"({torch.get_num_threads()} torch threads): best {best:0.000} s per image " +
                $"(goal ≤ 5 s on 2 cores; {TorchRuntime.BuildNote})");
            ReportBatches(pipeline, request, parse.GetValue(batches)!, parse.GetValue(repeats), output);
            return 0;
        });
        return command;
    }

    /// <summary>Images/s of one batched sampling run per size (distinct prompts and seeds), and the ratio to batch 1.</summary>
    private static void ReportBatches(T2IPipeline pipeline, GenerationRequest request, int[] sizes, int repeats, TextWriter output)
    {
        string[] prompts = ["a red circle on a white background", "a blue square", "a green triangle on black", "a yellow circle"];
        double? single = null;
        foreach (int size in sizes.Where(s => s >= 1))
        {
            var batch = Enumerable.Range(0, size).Select(i => request with { Prompt = prompts[i % prompts.Length], Seed = 100 + i })
                .ToArray();
            pipeline.GenerateBatch(batch.Select(r => r with { Steps = 2 }).ToArray()); // warm-up at this shape
            double best = double.MaxValue;
            for (int i = 0; i < Math.Max(1, repeats); i++)
            {
                var clock = Stopwatch.StartNew();
                pipeline.GenerateBatch(batch);
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }
            double rate = size / best;
            single ??= size == 1 ? rate : null;
            string ratio = single is { } one ? $", {rate / one:0.00}× batch 1" : "";
            output.WriteLine($"batch {size}: {best:0.000} s per run, {rate:0.000} images/s{ratio}");
        }
    }
}

using System.CommandLine;
using T2I.Core;
using T2I.Core.Checkpoints;
using T2I.Core.Data;
using T2I.Core.Dit;
using T2I.Core.Inference;
using T2I.Core.Text;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training bench-sampling [CHECKPOINT]</c>: DDIM + CFG sampling wall time ÷ (steps × one batched cond+uncond
/// forward) for a trained T2I checkpoint folder or, without one, the untrained tiny model; <c>--dit 2b</c> times a
/// random-weight DiT of a named size on random text states (speed only: the 2B model's T5/CLIP are not needed for it).
/// </summary>
public static class SampleBenchCommand
{
    public static Command Build()
    {
        var checkpoint = new Argument<string?>("checkpoint")
        {
            Description = "Checkpoint folder or run folder (default: the untrained tiny model).", Arity = ArgumentArity.ZeroOrOne,
        };
        var steps = new Option<int>("--steps") { Description = "Sampler steps.", DefaultValueFactory = _ => 50 };
        var size = new Option<string>("--size") { Description = "WxH bucket.", DefaultValueFactory = _ => "256x256" };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | cuda:N.", DefaultValueFactory = _ => "auto" };
        var dit = new Option<string?>("--dit") { Description = "Random-weight DiT of this size (2b, small, mini, tiny)." };
        var tokens = new Option<int>("--text-tokens")
        {
            Description = "Text length for --dit (T5 tokens).",
            DefaultValueFactory = _ => 128
        };
        var precision = new Option<string?>("--precision") { Description = "fp32 | bf16 (default: bf16 on CUDA, else fp32)." };
        var command = new Command("bench-sampling",
            "Benchmark sampling: wall time of DDIM with CFG vs. steps × one batched forward. Writes nothing.")
        {
            checkpoint, steps, size, device, dit, tokens, precision,
        };
        command.SetAction(parse =>
        {
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            var bucket = T2I.Core.Data.AspectBucket.Parse(parse.GetValue(size) ?? "256x256");
            var dtype = parse.GetValue(precision) is { } p ? Autocast.Parse(p)
                : dev.type == DeviceType.CUDA ? torch.ScalarType.BFloat16 : null;
            int n = parse.GetValue(steps);
            var r = parse.GetValue(dit) is { } name
                ? RandomDit(DitConfig.ByName(name), Math.Max(1, parse.GetValue(tokens)), n, bucket, dev, dtype)
                : Checkpoint(parse.GetValue(checkpoint), n, bucket, dev, dtype);
            parse.InvocationConfiguration.Output.WriteLine(
                $"sampling {r.Width}x{r.Height}, {r.Steps} DDIM steps with CFG on {dev} ({dtype?.ToString() ?? "fp32"}, " +
                $"{TorchRuntime.BuildNote}): {r.SamplingSeconds:0.000} s; " +
                $"one batched forward {r.ForwardSeconds * 1000:0.00} ms; ratio {r.Ratio:0.000} (goal ≤ 1.05)");
            return 0;
        });
        return command;
    }

    private static SamplingBenchmarkResult RandomDit(DitConfig config, long tokens, int steps, AspectBucket bucket, Device dev,
        torch.ScalarType? dtype)
    {
        using var random = new FluxDit(config);
        random.to(dev);
        using var text = new TextEncoding(torch.randn(2, tokens, config.ContextInDim), torch.randn(2, config.VecInDim),
            torch.ones(2, tokens, torch.ScalarType.Bool));
        return SamplingBenchmark.Run(random, text, steps, bucket.Width, bucket.Height, dev, precision: dtype);
    }

    private static SamplingBenchmarkResult Checkpoint(string? path, int steps, AspectBucket bucket, Device dev, torch.ScalarType? dtype)
    {
        using var model = path is null
            ? new T2IModel(DitConfig.Tiny, BuiltinTextConfig.Tiny, BuiltinVocabulary.Build(["a red circle"]))
            : T2IModel.LoadCheckpoint(CheckpointFolder.Open(path));
        model.to(dev);
        return SamplingBenchmark.Run(model.dit, model.text_encoder, steps, bucket.Width, bucket.Height, dev, precision: dtype);
    }
}

using System.CommandLine;
using T2I.Core;
using T2I.Core.Checkpoints;
using T2I.Core.Inference;
using TorchSharp;

namespace T2I.Training.Dit;

/// <summary>
/// <c>training bench-sampling [CHECKPOINT]</c>: DDIM + CFG sampling wall time ÷ (steps × one batched cond+uncond
/// forward) for a trained T2I checkpoint folder or, without one, the untrained tiny model.
/// </summary>
public static class SampleBenchCommand
{
    public static Command Build()
    {
        var checkpoint = new Argument<string?>("checkpoint") { Description = "Checkpoint folder or run folder (default: the untrained tiny model).", Arity = ArgumentArity.ZeroOrOne };
        var steps = new Option<int>("--steps") { Description = "Sampler steps.", DefaultValueFactory = _ => 50 };
        var size = new Option<string>("--size") { Description = "WxH bucket.", DefaultValueFactory = _ => "256x256" };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | cuda:N.", DefaultValueFactory = _ => "auto" };
        var command = new Command("bench-sampling", "Benchmark sampling: wall time of DDIM with CFG vs. steps × one batched forward. Writes nothing.")
        {
            checkpoint, steps, size, device,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            var bucket = T2I.Core.Data.AspectBucket.Parse(parse.GetValue(size) ?? "256x256");
            string? path = parse.GetValue(checkpoint);
            using var model = path is null
                ? new T2IModel(T2I.Core.Dit.DitConfig.Tiny, T2I.Core.Text.BuiltinTextConfig.Tiny, T2I.Core.Text.BuiltinVocabulary.Build(["a red circle"]))
                : T2IModel.LoadCheckpoint(CheckpointFolder.Open(path));
            model.to(dev);
            var r = SamplingBenchmark.Run(model.dit, model.text_encoder, parse.GetValue(steps), bucket.Width, bucket.Height, dev);
            output.WriteLine($"sampling {r.Width}x{r.Height}, {r.Steps} DDIM steps with CFG on {dev}: {r.SamplingSeconds:0.000} s; " +
                $"one batched forward {r.ForwardSeconds * 1000:0.00} ms; ratio {r.Ratio:0.000} (goal ≤ 1.05)");
            return 0;
        });
        return command;
    }
}

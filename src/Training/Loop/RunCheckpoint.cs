using System.Text.Json;
using T2I.Core.Checkpoints;

namespace T2I.Training.Loop;

/// <summary>Writes a trainer's full state into a <see cref="CheckpointFolder"/> and restores it.</summary>
public static class RunCheckpoint
{
    public const string MainModule = "model";

    public static string FileFor(string module) => module == MainModule ? CheckpointFolder.ModelFile : module + ".safetensors";

    public static CheckpointFolder Save(ITrainer trainer, Preset preset, string checkpointsDir, long step,
                                        IReadOnlyDictionary<string, double> metrics, double elapsedSeconds,
                                        System.Text.Json.Nodes.JsonArray? ranks = null)
    {
        var config = new CheckpointConfig
        {
            Step = step,
            Preset = preset.Name,
            Trainer = preset.Trainer,
            ModelConfig = JsonSerializer.SerializeToNode(trainer.ModelConfig, trainer.ModelConfig.GetType(), PresetJson.Options),
            Loop = JsonSerializer.SerializeToNode(preset.Loop, PresetJson.Options),
            RngState = RngState.Capture(),
            DataPosition = trainer.Data.SavePosition(),
            TrainerState = trainer.SaveState(),
            Ranks = ranks,
            Metrics = metrics.Where(kv => double.IsFinite(kv.Value)).ToDictionary(),
            ElapsedSeconds = elapsedSeconds,
            TimeUtc = DateTime.UtcNow,
        };
        return CheckpointFolder.Write(checkpointsDir, config, dir =>
        {
            foreach (var (name, module) in trainer.Modules)
                ModuleWeights.Save(module, Path.Combine(dir, FileFor(name)));
            trainer.Ema?.Save(Path.Combine(dir, CheckpointFolder.EmaFile));
            if (trainer.Optimizers.Count > 0)
                OptimizerStateFile.Save(Path.Combine(dir, CheckpointFolder.OptimizerFile), trainer.Optimizers);
        });
    }

    /// <summary>Restores weights, EMA, optimizer state, data position, trainer state and RNG; returns the config.</summary>
    public static CheckpointConfig Restore(ITrainer trainer, Preset preset, CheckpointFolder checkpoint)
    {
        var config = checkpoint.ReadConfig();
        if (config.Trainer is not null && config.Trainer != preset.Trainer)
            throw new InvalidDataException($"{checkpoint.Path} was written by trainer '{config.Trainer}', not '{preset.Trainer}' " +
                $"(preset '{preset.Name}').");
        foreach (var (name, module) in trainer.Modules)
        {
            string file = checkpoint.File(FileFor(name));
            if (!File.Exists(file)) throw new FileNotFoundException($"Checkpoint {checkpoint.Path} lacks {FileFor(name)}.", file);
            ModuleWeights.Load(module, file, strict: true);
        }
        if (trainer.Ema is { } ema)
        {
            if (!checkpoint.Has(CheckpointFolder.EmaFile)) throw new FileNotFoundException($"Checkpoint {checkpoint.Path} lacks " +
                $"{CheckpointFolder.EmaFile} but the trainer keeps an EMA.");
            ema.Load(checkpoint.File(CheckpointFolder.EmaFile));
            ema.Updates = config.Step;
        }
        if (trainer.Optimizers.Count > 0)
        {
            if (!checkpoint.Has(CheckpointFolder.OptimizerFile)) throw new FileNotFoundException($"Checkpoint {checkpoint.Path} " +
                $"lacks {CheckpointFolder.OptimizerFile}.");
            OptimizerStateFile.Load(checkpoint.File(CheckpointFolder.OptimizerFile), trainer.Optimizers);
        }
        if (config.DataPosition is not null) trainer.Data.RestorePosition(config.DataPosition);
        trainer.LoadState(config.TrainerState);
        // Last: restoring anything above must not consume random numbers after the generator is set.
        if (config.RngState is not null) RngState.Restore(config.RngState);
        return config;
    }
}

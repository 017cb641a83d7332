using Microsoft.Extensions.Options;
using T2I.Core.Checkpoints;
using T2I.Core.Inference;
using T2I.Core.Pretrained.MiniLm;
using T2I.Training.Demo;
using T2I.Training.Dit;
using T2I.Training.Loop;
using T2I.Training.Presets;
using T2I.Training.Tests.Dit;
using T2I.Web.Generation;
using static TorchSharp.torch;

namespace T2I.EndToEnd.Tests;

/// <summary>
/// The frozen MiniLM as the DiT's text encoder end to end: a few steps of the emoji recipe on an aligned tokenizer's
/// latents, an export that holds neither text weights nor the tokenizer's encoder, and the web's model source drawing
/// from it the same bits as the checkpoint.
/// </summary>
public sealed class MiniLmModelTests : FrozenTextRun
{
    [Fact]
    public void TrainsOnMiniLmExportsWithoutTextWeightsAndTheWebDrawsTheSameImage()
    {
        string run = Path.Combine(root, "run");
        var emoji = (Preset<DitTrainConfig>)PresetRegistry.Get("t2i-emoji");
        Assert.Equal(MiniLmTextEncoder.EncoderName, emoji.Config.TextEncoder);
        TrainThreeSteps(emoji with
        {
            Config = emoji.Config with
            {
                DitSize = "tiny",
                TextCache = 8,
                Latents = DitTestData.WriteTokenizerRun(Sub("tok"), seed: 3),
                Data = DitTestData.WriteShards(Sub("data"), perBucket: 8),
                EvalPrompts = 0,
            },
        }, run);

        // The DiT reads MiniLM's 384-wide states and sentence vector; the checkpoint holds the DiT alone.
        var checkpoint = CheckpointFolder.Open(run);
        var config = T2IModelConfig.FromJson(checkpoint.ReadConfig().ModelConfig!, run);
        Assert.Equal((MiniLmTextEncoder.EncoderName, 384, 384), (config.TextEncoder, config.Dit.ContextInDim, config.Dit.VecInDim));
        Assert.DoesNotContain(SafeTensors.Load(checkpoint.File(CheckpointFolder.ModelFile)).Keys,
            k => k.StartsWith("text_encoder.") || k.Contains("embeddings"));

        var request = new GenerationRequest("red apple", "", 64, 64, 2, 3.0, 7);
        byte[] fromCheckpoint = T2IPipeline.FromCheckpoint(run).Generate(request).Png;

        // The export keeps of the codec only the decoder: it draws, and refuses to encode with a message saying why.
        string model = Path.Combine(root, "models", "t2i-minilm");
        DemoExport.Write(run, model, maxBytes: 50_000_000);
        var keys = SafeTensors.Load(Path.Combine(model, LatentCodecs.WeightsFileName)).Keys.ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, k => Assert.StartsWith("decoder.", k));
        var codec = LatentCodecs.Open(model);
        using (var images = zeros(1, 3, 64, 64))
            Assert.Contains("decoder only", Assert.Throws<InvalidOperationException>(() => codec.Encode(images)).Message);

        var source = new ConfiguredModelSource(Options.Create(new ModelOptions { Model = model, Device = "cpu" }));
        Assert.Equal(64, source.Describe().BaseResolution);
        Assert.Equal(fromCheckpoint, source.Load().Generate(request).Png);
    }
}

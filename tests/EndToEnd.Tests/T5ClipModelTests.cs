using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SkiaSharp;
using T2I.Core.Checkpoints;
using T2I.Core.Inference;
using T2I.Core.Tests.Text;
using T2I.Training.Demo;
using T2I.Training.Dit;
using T2I.Training.Loop;
using T2I.Training.Presets;
using T2I.Training.Tests.Dit;
using T2I.Web.Generation;

namespace T2I.EndToEnd.Tests;

/// <summary>
/// FLUX's frozen text pair end to end on tiny HF folders: a few DiT steps with <c>t5+clip</c>, an exported model folder
/// that carries its encoders, and the web app's model source drawing from it after the training-time folders are gone.
/// </summary>
public sealed class T5ClipModelTests : FrozenTextRun
{
    [Fact]
    public void TrainsExportsAndTheWebModelSourceDrawsFromTheExport()
    {
        string t5 = Sub("weights/t5"), clip = Sub("weights/clip"), run = Path.Combine(root, "run");
        TinyTextEncoderFolders.WriteT5(t5);
        TinyTextEncoderFolders.WriteClip(clip);
        var tiny = (Preset<DitTrainConfig>)PresetRegistry.Get("t2i-tiny");
        TrainThreeSteps(tiny with
        {
            Config = tiny.Config with
            {
                TextEncoder = "t5+clip",
                T5Path = t5,
                ClipPath = clip,
                MaxTextTokens = 6,
                Latents = "dct",
                Data = DitTestData.WriteShards(Sub("data"), perBucket: 8),
                ShardResolution = 64,
                Resolution = 64,
                EvalPrompts = 0,
            },
        }, run);

        // The checkpoint holds the DiT alone (its context and pooled widths are T5's and CLIP's) and names the encoders.
        var checkpoint = CheckpointFolder.Open(run);
        var config = T2IModelConfig.FromJson(checkpoint.ReadConfig().ModelConfig!, run);
        Assert.Equal((16, 16), (config.Dit.ContextInDim, config.Dit.VecInDim));
        Assert.Equal(new T2I.Core.Text.TextEncoderWeights(t5, clip, 6), config.TextWeights);
        Assert.DoesNotContain(SafeTensors.Load(checkpoint.File(CheckpointFolder.ModelFile)).Keys, k => k.StartsWith("t5."));

        var request = new GenerationRequest("a red circle on a blue background", "", 64, 64, 2, 3.0, 7);
        byte[] fromCheckpoint = T2IPipeline.FromCheckpoint(run).Generate(request).Png;

        // Exported, then the training machine's folders removed: the export is all a GPU worker's /models mount holds.
        string model = Path.Combine(root, "models", "t2i-t5clip");
        DemoExport.Write(run, model, maxBytes: 50_000_000);
        Directory.Delete(Path.Combine(root, "weights"), recursive: true);
        var exported = JsonNode.Parse(File.ReadAllText(Path.Combine(model, CheckpointFolder.ConfigFile)))!["model_config"]!;
        Assert.Equal("text_encoders/t5", exported["text_weights"]!["t5"]!.GetValue<string>());
        Assert.Equal(6, exported["text_weights"]!["max_t5_tokens"]!.GetValue<int>());

        var source = new ConfiguredModelSource(Options.Create(new ModelOptions { Model = model, Device = "cpu" }));
        Assert.Equal(64, source.Describe().BaseResolution);
        var image = source.Load().Generate(request);
        Assert.Equal(fromCheckpoint, image.Png); // the copied encoders are the ones it trained with, bit for bit
        using var bitmap = SKBitmap.Decode(image.Png);
        Assert.Equal((64, 64), (bitmap.Width, bitmap.Height));
        Assert.Contains("Model: t2i-tiny-step3", PngText.Read(image.Png)["parameters"]);
    }
}

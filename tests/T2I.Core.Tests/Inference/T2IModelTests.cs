using T2I.Core.Dit;
using T2I.Core.Inference;
using T2I.Core.Text;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Inference;

public class T2IModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2i-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SavedModelReloadsWithConfigsVocabularyAndWeights()
    {
        manual_seed(11);
        using var model = new T2IModel(DitConfig.Tiny, BuiltinTextConfig.Tiny, BuiltinVocabulary.Build(new[] { "a red circle", "a blue square" }));
        using (no_grad()) foreach (var p in model.parameters()) p.add_(randn_like(p) * 0.1);
        string path = Path.Combine(_dir, "model.safetensors");
        model.Save(path);
        using var loaded = T2IModel.Load(path);
        Assert.Equal(model.dit.Config.ParameterCount(), loaded.dit.CountParameters());
        Assert.Equal(DitConfig.Tiny.AxesDim, loaded.dit.Config.AxesDim);

        var a = new T2IPipeline(model.text_encoder, model.dit, new UntrainedLatentDecoder(), "m", 64);
        var b = new T2IPipeline(loaded.text_encoder, loaded.dit, new UntrainedLatentDecoder(), "m", 64);
        var request = new GenerationRequest("a red square", "", 64, 64, 2, 3.0, 5);
        Assert.Equal(a.Generate(request).Png, b.Generate(request).Png);
    }

    [Fact]
    public void MismatchedTextWidthsAreRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => new T2IModel(DitConfig.Small, BuiltinTextConfig.Tiny, new BuiltinVocabulary(new[] { 5 })));
        Assert.Contains("text encoder", ex.Message);
    }

    [Fact]
    public void ParametersOmitAnEmptyNegativePromptLikeA1111()
    {
        var text = GenerationParameters.Format(new GenerationRequest("a cat", "", 320, 192, 50, 7.5, 123), "DDIM", "t2i-256");
        Assert.Equal("a cat\nSteps: 50, Sampler: DDIM, CFG scale: 7.5, Seed: 123, Size: 320x192, Model: t2i-256", text);
    }
}

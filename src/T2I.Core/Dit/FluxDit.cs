using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Dit;

/// <summary>
/// FLUX-style text-conditioned DiT predicting the flow-matching velocity. Parameter names equal FLUX's
/// (<c>img_in</c>, <c>time_in</c>, <c>vector_in</c>, <c>txt_in</c>, <c>double_blocks.N</c>, <c>single_blocks.N</c>,
/// <c>final_layer</c>); no guidance embedding (CFG is done by the sampler).
/// </summary>
public sealed class FluxDit : nn.Module
{
    private readonly Rope _rope;
    public DitConfig Config { get; }
    public AutocastLinear img_in;
    public MlpEmbedder time_in;
    public MlpEmbedder vector_in;
    public AutocastLinear txt_in;
    public ModuleList<DoubleStreamBlock> double_blocks;
    public ModuleList<SingleStreamBlock> single_blocks;
    public LastLayer final_layer;

    /// <summary>
    /// Recompute each block's activations in backward instead of storing them (<see cref="ActivationCheckpoint"/>);
    /// applies only in training mode with autograd on. Same gradients, less memory, ~1 extra forward per step.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    public FluxDit(DitConfig config) : base(nameof(FluxDit))
    {
        config.Validate();
        Config = config;
        _rope = new Rope(config.AxesDim, config.Theta);
        long d = config.HiddenSize;
        img_in = new AutocastLinear(config.InChannels, d, hasBias: true);
        time_in = new MlpEmbedder(TimestepEmbedding.Dim, d);
        vector_in = new MlpEmbedder(config.VecInDim, d);
        txt_in = new AutocastLinear(config.ContextInDim, d);
        double_blocks = new ModuleList<DoubleStreamBlock>(Enumerable.Range(0, config.Depth)
            .Select(_ => new DoubleStreamBlock(d, config.NumHeads, config.MlpRatio, config.QkvBias)).ToArray());
        single_blocks = new ModuleList<SingleStreamBlock>(Enumerable.Range(0, config.DepthSingleBlocks)
            .Select(_ => new SingleStreamBlock(d, config.NumHeads, config.MlpRatio)).ToArray());
        final_layer = new LastLayer(d, 1, config.InChannels);
        RegisterComponents();
        InitializeWeights();
    }

    /// <summary>
    /// The whole initialisation recipe in one place, as DiT's <c>initialize_weights</c>: every linear layer keeps
    /// nn.Linear's default draw (made when it was built, in construction order), then adaLN-Zero — every block's
    /// modulation and the final layer's modulation and projection are zeroed, so each block starts as the identity
    /// and the model predicts v = 0. Zeroing draws no random numbers, so a seed gives the same weights as before.
    /// </summary>
    public void InitializeWeights()
    {
        using var noGrad = no_grad();
        void Zero(AutocastLinear linear)
        {
            linear.weight.zero_();
            linear.bias?.zero_();
        }
        foreach (var block in double_blocks) { Zero(block.img_mod.lin); Zero(block.txt_mod.lin); }
        foreach (var block in single_blocks) Zero(block.modulation.lin);
        Zero(final_layer.linear);
        Zero((AutocastLinear)final_layer.adaLN_modulation[1]);
    }

    /// <summary>
    /// Token-level forward, as FLUX's: img [N, Li, C], txt [N, Lt, Dtxt], ids [N, L, 3], timesteps [N] in [0, 1],
    /// y [N, Dvec]; txtMask [N, Lt] (true = real token) or null. Returns the velocity [N, Li, C].
    /// </summary>
    public Tensor forward(Tensor img, Tensor imgIds, Tensor txt, Tensor txtIds, Tensor timesteps, Tensor y, Tensor? txtMask = null)
    {
        if (img.ndim != 3 || txt.ndim != 3) throw new ArgumentException("img and txt must be [N, L, C] token sequences.");
        using var scope = NewDisposeScope();
        var x = img_in.forward(img);
        var vec = time_in.forward(TimestepEmbedding.Embed(timesteps).to_type(x.dtype)).Plus(vector_in.forward(y));
        var t = txt_in.forward(txt);
        var pe = _rope.Embed(cat(new[] { txtIds, imgIds }, dim: 1));
        var mask = Attention.JointMask(txtMask, img.shape[1]);

        bool recompute = GradientCheckpointing && training && is_grad_enabled();
        foreach (var block in double_blocks)
        {
            if (!recompute) { (x, t) = block.forward(x, t, vec, pe, mask); continue; }
            var outputs = ActivationCheckpoint.Run(a =>
            {
                var (i, tx) = block.forward(a[0]!, a[1]!, a[2]!, a[3]!,
                a[4]); return [i, tx];
            }, x, t, vec, pe, mask);
            (x, t) = (outputs[0], outputs[1]);
        }

        long lt = t.shape[1];
        var joint = cat(new[] { t, x }, dim: 1);
        foreach (var block in single_blocks)
            joint = recompute ? ActivationCheckpoint.Run(a => [block.forward(a[0]!, a[1]!, a[2]!, a[3])], joint, vec, pe,
                mask)[0] : block.forward(joint, vec, pe, mask);
        x = joint[.., (int)lt..];
        return final_layer.forward(x, vec).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Latent-grid forward (patch size 1): latents [N, C, h, w] of any bucket shape → velocity [N, C, h, w].
    /// Positions come from the grid, so every aspect ratio gets consistent (row, col) phases.
    /// </summary>
    public Tensor ForwardLatents(Tensor latents, Tensor timesteps, Tensor txt, Tensor pooled, Tensor? txtMask = null)
    {
        using var scope = NewDisposeScope();
        long n = latents.shape[0], c = latents.shape[1], h = latents.shape[2], w = latents.shape[3];
        var tokens = latents.permute(0, 2, 3, 1).reshape(n, h * w, c);
        var imgIds = Rope.ImageIds(n, h, w, latents.device);
        var txtIds = Rope.TextIds(n, txt.shape[1], latents.device);
        var v = forward(tokens, imgIds, txt, txtIds, timesteps, pooled, txtMask);
        return v.reshape(n, h, w, c).permute(0, 3, 1, 2).contiguous().MoveToOuterDisposeScope();
    }

    public long CountParameters() => parameters().Sum(p => p.numel());
}

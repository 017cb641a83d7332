using T2I.Core.Data;
using T2I.Core.Checkpoints;
using T2I.Core.VisualTokenizer;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Eval;

/// <summary>
/// DINOv2 class-token features for FD_DINOv2 (Stein et al. 2023): images resized to 224×224 (bicubic, antialiased),
/// ImageNet-normalised, the final-norm class token of the tokenizer's timm-layout <see cref="VisionTransformer"/>.
/// With ViT-L/14 weights this is the paper's feature space; it is not Inception's, so FD over it is not FID.
/// </summary>
public sealed class DinoV2Features(VisionTransformer vit, int imageSize = 224) : IImageFeatureEncoder
{

    public VisionTransformer Vit { get; } = vit;
    public string Name => "dinov2";
    public int FeatureDim => Vit.Config.Width;

    /// <summary>
    /// Loads timm ViT safetensors, inferring the shape from the file (width from <c>cls_token</c>, depth from the
    /// block count, registers from <c>reg_token</c>, class-token position from the <c>pos_embed</c> row count,
    /// head dim 64 as in every DINOv2 size).
    /// </summary>
    public static DinoV2Features Load(string path)
    {
        VisionTransformerConfig config;
        using (var file = SafeTensorsFile.Open(path))
        {
            if (!file.Contains("cls_token") || !file.Contains("pos_embed") || !file.Contains("patch_embed.proj.weight"))
                throw new InvalidDataException($"'{path}' is not a timm ViT checkpoint (needs cls_token, pos_embed, " +
                    $"patch_embed.proj.weight).");
            int width = (int)file.GetEntry("cls_token").Shape[^1];
            int depth = file.Keys.Where(k => k.StartsWith("blocks.", StringComparison.Ordinal))
                .Select(k => int.Parse(k.Split('.')[1])).DefaultIfEmpty(-1).Max() + 1;
            int registers = file.Contains("reg_token") ? (int)file.GetEntry("reg_token").Shape[1] : 0;
            long rows = file.GetEntry("pos_embed").Shape[1];
            bool classPosition = registers == 0 && !IsSquare(rows) && IsSquare(rows - 1);
            int grid = (int)Math.Round(Math.Sqrt(rows - (classPosition ? 1 : 0)));
            int patch = (int)file.GetEntry("patch_embed.proj.weight").Shape[^1];
            config = new VisionTransformerConfig(width, depth, Math.Max(1, width / 64), registers, patch, grid,
                ClassTokenHasPosition: classPosition);
        }
        var vit = new VisionTransformer(config);
        TimmVitWeights.LoadInto(vit, path);
        vit.eval();
        return new DinoV2Features(vit, 16 * config.PatchSize);
    }

    public Tensor Features(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = Vit.parameters().First().device;
        var x = nn.functional.interpolate(images.to(ScalarType.Float32).to(device).OnePlus().DividedBy(2), [imageSize, imageSize],
            mode: InterpolationMode.Bicubic, align_corners: false, antialias: true);
        x = ImageNetNormalization.Apply(x);
        return Vit.ClassToken(x).MoveToOuterDisposeScope();
    }

    private static bool IsSquare(long n) => n > 0 && (long)Math.Round(Math.Sqrt(n)) is var r && r * r == n;
}

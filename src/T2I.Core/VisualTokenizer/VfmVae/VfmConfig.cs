using T2I.Core.Pretrained.SigLip;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>
/// The frozen foundation model and the depths it is read at. <c>resnet18</c>: the packaged ImageNet ResNet-18, layers are
/// stages (1 = layer1, stride 4 … 4 = layer4). <c>siglip2</c>: a SigLIP2 vision tower whose weights the user supplies
/// (<see cref="Weights"/>, an HF folder); layers index its hidden states as HF does (0 = embeddings, −1 = last layer).
/// </summary>
public sealed record VfmConfig
{
    public const string ResNet18 = "resnet18", SigLip2 = "siglip2";

    public string Kind { get; init; } = ResNet18;
    public int[] Layers { get; init; } = [1, 2, 3];
    /// <summary>SigLIP2: the HF folder (config.json + safetensors); its shape is read from there.</summary>
    public string? Weights { get; init; }
    /// <summary>SigLIP2: the tower's shape, so a checkpoint builds the model without the weights folder.</summary>
    public SigLipVisionConfig? Tower { get; init; }

    public static VfmConfig ResNet18Stages { get; } = new();

    /// <summary>google/siglip2-large-patch16-512, hidden states [0, 12, −1] (Table 9); weights user-supplied.</summary>
    public static VfmConfig SigLip2Large { get; } = new()
    {
        Kind = SigLip2, Layers = [0, 12, -1], Tower = SigLipVisionConfig.Large16At512,
    };
}

namespace T2I.Core.Pretrained.MiniLm;

/// <summary>A BERT encoder's shape (Devlin et al. 2019); <see cref="MiniLmL6"/> is all-MiniLM-L6-v2's.</summary>
public sealed record BertConfig(int VocabSize, int Hidden, int Layers, int Heads, int Intermediate, int MaxPositions,
    int TypeVocabSize, double LayerNormEps)
{
    public static readonly BertConfig MiniLmL6 = new(30522, 384, 6, 12, 1536, 512, 2, 1e-12);

    public int HeadDim => Hidden / Heads;
}

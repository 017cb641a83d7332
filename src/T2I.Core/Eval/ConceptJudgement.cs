using T2I.Core.Emoji;
using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>
/// A folder of generations judged by a <see cref="ConceptJudge"/>: each image's prompt names its concept either as a
/// judge concept itself ("red apple") or as a listed paraphrase (<see cref="EmojiJudgePrompts"/>: "a puppy" → "dog face");
/// prompts that name no known concept are counted, not scored.
/// </summary>
public sealed record ConceptJudgement(ConceptAccuracy AsTrained, ConceptAccuracy Paraphrased, int Unjudged)
{
    public static ConceptJudgement Of(ConceptJudge judge, IImageFeatureEncoder encoder, IReadOnlyList<ScoredImage> images)
    {
        var judged = new List<(int[] Ranked, int Target, bool Paraphrased)>();
        int unjudged = 0;
        foreach (var image in images)
        {
            var (concept, paraphrased) = Resolve(judge, image.Prompt);
            if (concept < 0) { unjudged++; continue; }
            using var scope = NewDisposeScope();
            using var features = encoder.Features(ImageFolder.Load(image.Path));
            judged.Add((judge.TopK(features, 5)[0], concept, paraphrased));
        }
        ConceptAccuracy Of(bool paraphrased)
        {
            var part = judged.Where(j => j.Paraphrased == paraphrased).ToList();
            return ConceptAccuracy.Of(part.Select(j => j.Ranked).ToList(), part.Select(j => j.Target).ToList());
        }
        return new ConceptJudgement(Of(false), Of(true), unjudged);
    }

    /// <summary>The prompt's concept index in the judge (-1: none) and whether it came through a paraphrase.</summary>
    public static (int Concept, bool Paraphrased) Resolve(ConceptJudge judge, string? prompt)
    {
        if (string.IsNullOrWhiteSpace(prompt)) return (-1, false);
        if (judge.IndexOf(prompt) is >= 0 and var direct) return (direct, false);
        return EmojiJudgePrompts.Find(prompt) is { Paraphrased: true } listed ? (judge.IndexOf(listed.Concept), true) : (-1, false);
    }

    public string Summary() =>
        $"concept judge, prompts as trained: {AsTrained}\nconcept judge, paraphrased prompts: {Paraphrased}\n" +
        (Unjudged > 0 ? $"{Unjudged} images name no concept the judge knows (not scored)\n" : "");
}

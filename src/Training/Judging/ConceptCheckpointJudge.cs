using T2I.Core.Emoji;
using T2I.Core.Eval;
using T2I.Core.Inference;

namespace T2I.Training.Judging;

/// <summary>One checkpoint's generations for every judge prompt (as trained, then paraphrased), and the judge's verdict.</summary>
public sealed record JudgedCheckpoint(ConceptJudgement Judgement, IReadOnlyList<GenerationRequest> Requests, byte[][] Pngs,
    string ModelId, int Side, int JudgeConcepts);

/// <summary>
/// Draws <see cref="EmojiJudgePrompts"/> × seeds 0..N−1 with a T2I checkpoint and scores them with a concept judge over
/// ResNet-18 features. The PNGs go to a folder (the judge reads files, as it would the user's); a temporary one unless given.
/// </summary>
public static class ConceptCheckpointJudge
{
    public static JudgedCheckpoint Run(string checkpoint, string judgeFolder, int seeds, int steps, double guidance, string? keepDir,
        Action<int, int>? progress = null)
    {
        var pipeline = new T2IPipeline(T2IPipeline.FromCheckpoint(checkpoint)) { PreviewEvery = 0 };
        int side = pipeline.BaseResolution;
        var requests = (from p in EmojiJudgePrompts.All
                        from seed in Enumerable.Range(0, seeds)
                        select new GenerationRequest(p.Prompt, "", side, side, steps, guidance, seed)).ToList();
        if (requests.Select(r => GenerationValidator.Validate(r, side)).FirstOrDefault(e => e is not null) is { } refused)
            throw new ArgumentException(refused);
        string dir = keepDir ?? Path.Combine(Path.GetTempPath(), $"t2i-judged-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var pngs = new byte[requests.Count][];
            for (int i = 0; i < requests.Count; i++)
            {
                pngs[i] = pipeline.Generate(requests[i]).Png;
                File.WriteAllBytes(Path.Combine(dir, $"{i:D4}-{EmojiKey.Slug(requests[i].Prompt)}-{requests[i].Seed}.png"), pngs[i]);
                progress?.Invoke(i + 1, requests.Count);
            }
            using var judge = ConceptJudge.Load(judgeFolder);
            using var encoder = ResNetFeatures.FromPackage(judge.ImageSize);
            return new JudgedCheckpoint(ConceptJudgement.Of(judge, encoder, ImageFolder.List(dir)), requests, pngs, pipeline.ModelId, side,
                judge.Concepts.Count);
        }
        finally { if (keepDir is null) Directory.Delete(dir, recursive: true); }
    }
}

using T2I.Core.Emoji;
using T2I.Core.Storage;
using T2I.Core.Tests.Support;

namespace T2I.Core.Tests.Emoji;

public class InstalledEmojiPackagesTests
{
    [InstalledEmojiPackagesFact]
    public void TheRealPackagesJoinToAboutNineThousandPairs()
    {
        var skips = new EmojiSkips();
        var join = EmojiJoin.Build(new EmojiOptions { Packages = EmojiPackages.Locate() }, skips);
        var perStyle = join.Pairs.GroupBy(p => p.Art.Style).ToDictionary(g => g.Key, g => g.Count());
        // Measured on the pinned versions: 1,911 concepts, 8,833 pairs (google 1911, twitter 1911, fluent-3d 1855,
        // fluent 1578, fluent-flat 1578).
        Assert.InRange(join.Concepts.Count, 1850, 1990);
        Assert.InRange(join.Pairs.Count, 8500, 9100);
        Assert.All(EmojiStyle.All, s => Assert.InRange(perStyle[s], 1450, 1990));
        Assert.InRange(skips.ByReason.GetValueOrDefault(EmojiSkips.NoCaption), 0, 80); // 36: Fluent names no CLDR label matches
        Assert.Equal(0, skips.ByReason.GetValueOrDefault(EmojiSkips.MissingFile));
        var apple = join.Pairs.Where(p => p.Concept.Hexcode == "1F34E").ToList();
        Assert.Equal(EmojiStyle.All, apple.Select(p => p.Art.Style));
        Assert.All(apple, p => Assert.Equal(("red apple", "food-drink", "food-fruit"), (p.Concept.Label, p.Concept.Group,
            p.Concept.Subgroup)));
    }

    [InstalledEmojiPackagesFact]
    public async Task TheFirstConceptsDrawInEveryStyle()
    {
        using var tmp = new TempDir();
        var options = new EmojiOptions { Packages = EmojiPackages.Locate(), MaxConcepts = 6, Size = 64 };
        var report = await EmojiShards.WriteAsync(new LocalBlobStore(tmp.Path), options, new EmojiSkips());
        Assert.Equal(6, report.ConceptsInAllStyles);
        Assert.All(EmojiStyle.All, s => Assert.Equal(6, report.PairsByStyle[s]));
        Assert.Equal(0, report.Skips.GetValueOrDefault(EmojiSkips.BadImage));
    }

    [InstalledEmojiPackagesFact]
    public void EveryJudgedPromptNamesAConceptInEveryStyle()
    {
        var join = EmojiJoin.Build(new EmojiOptions { Packages = EmojiPackages.Locate() }, new EmojiSkips());
        var styles = join.Pairs.GroupBy(p => p.Concept.Label).ToDictionary(g => g.Key, g => g.Select(p => p.Art.Style).Distinct().Count());
        var missing = EmojiJudgePrompts.All.Where(p => styles.GetValueOrDefault(p.Concept) != EmojiStyle.All.Count).ToList();
        Assert.True(missing.Count == 0, $"not drawn in all styles: {string.Join(", ", missing.Select(p => p.Concept).Distinct())}");
        Assert.Equal(EmojiJudgePrompts.All.Count / 2, EmojiJudgePrompts.All.Count(p => p.Paraphrased));
    }
}

namespace T2I.Core.Emoji;

/// <summary>One prompt of the judged list and the concept (CLDR label) a correct image shows.</summary>
public sealed record JudgePrompt(string Prompt, string Concept, bool Paraphrased);

/// <summary>
/// The fixed prompts a text-to-emoji model is judged and shown on: each concept once as trained (its CLDR label) and once
/// paraphrased in free text, so the judged figures say whether the text encoder carries meaning beyond the label words.
/// </summary>
public static class EmojiJudgePrompts
{
    private static readonly (string Concept, string Paraphrase)[] Pairs =
    [
        ("red apple", "an apple that is red"),
        ("dog face", "a puppy"),
        ("cat face", "the face of a kitten"),
        ("grinning face", "a happy smiling face"),
        ("red heart", "a heart shape in red"),
        ("pizza", "a slice of pizza"),
        ("rocket", "a rocket ship flying up"),
        ("banana", "a ripe yellow banana"),
        ("thumbs up", "a hand giving a thumbs-up"),
        ("fire", "flames burning"),
        ("automobile", "a car"),
        ("bicycle", "a bike"),
        ("birthday cake", "a cake with candles for a birthday"),
        ("hot beverage", "a cup of hot coffee"),
        ("soccer ball", "a football"),
        ("rainbow", "a rainbow in the sky"),
        ("light bulb", "a glowing lightbulb"),
        ("cactus", "a desert cactus plant"),
        ("butterfly", "a colourful butterfly"),
        ("snowflake", "a flake of snow"),
    ];

    /// <summary>Every prompt: first the labels as trained, then their paraphrases.</summary>
    public static IReadOnlyList<JudgePrompt> All { get; } =
        Pairs.Select(p => new JudgePrompt(p.Concept, p.Concept, false))
            .Concat(Pairs.Select(p => new JudgePrompt(p.Paraphrase, p.Concept, true))).ToList();

    /// <summary>The listed prompt matching <paramref name="prompt"/> (case and outer spaces ignored), or null.</summary>
    public static JudgePrompt? Find(string prompt) =>
        All.FirstOrDefault(p => string.Equals(p.Prompt, prompt.Trim(), StringComparison.OrdinalIgnoreCase));
}

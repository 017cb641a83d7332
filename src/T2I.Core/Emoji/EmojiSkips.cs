using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace T2I.Core.Emoji;

/// <summary>
/// Entries left out while building an emoji set: counted by reason, each logged (thread-safe). Skin-tone variants are
/// left out by design, so they log at Debug; every other skip is a defect of the package and logs a warning.
/// </summary>
public sealed class EmojiSkips(ILogger? logger = null)
{
    public const string BadEntry = "bad_entry";         // a package's json entry without code points or label
    public const string NoCaption = "no_caption";       // an image whose code points emojibase-data does not know
    public const string MissingFile = "missing_file";   // listed by the package's json, absent on disk
    public const string SkinTone = "skin_tone_variant"; // a concept's skin-tone variant: not a concept of its own
    public const string BadImage = "bad_image";         // PNG/WebP that does not decode, SVG that does not parse or draw

    private readonly ConcurrentDictionary<string, int> _counts = new();

    public void Add(string reason, string what)
    {
        _counts.AddOrUpdate(reason, 1, (_, n) => n + 1);
        logger?.Log(reason == SkinTone ? LogLevel.Debug : LogLevel.Warning, "emoji: skipped {What} ({Reason})", what, reason);
    }

    public IReadOnlyDictionary<string, int> ByReason => new SortedDictionary<string, int>(_counts);
    public int Total => _counts.Values.Sum();
}

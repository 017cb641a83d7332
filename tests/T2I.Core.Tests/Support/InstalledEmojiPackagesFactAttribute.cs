using T2I.Core.Emoji;

namespace T2I.Core.Tests.Support;

/// <summary>Runs only where <c>infra/install-deps.sh</c> installed the real packages (skipped, with the reason, otherwise).</summary>
public sealed class InstalledEmojiPackagesFactAttribute : FactAttribute
{
    public InstalledEmojiPackagesFactAttribute()
    {
        var packages = EmojiPackages.Locate();
        var absent = EmojiStyle.All.Select(EmojiPackages.PackageOf).Append(EmojiPackages.Emojibase)
            .FirstOrDefault(p => !File.Exists(Path.Combine(packages.Root, p, "package.json")));
        if (absent is not null) Skip = $"emoji package '{absent}' not installed under {packages.Root} (bash infra/install-deps.sh)";
    }
}

namespace T2I.Core.Emoji;

/// <summary>
/// An emoji npm package is not installed. A <see cref="DirectoryNotFoundException"/>, so the CLIs print its one line
/// (which names the install step) instead of a stack trace.
/// </summary>
public sealed class EmojiPackageMissingException(string package, string root)
    : DirectoryNotFoundException($"emoji package '{package}' is not installed under {root}: run `bash infra/install-deps.sh`")
{
    public string Package { get; } = package;
}

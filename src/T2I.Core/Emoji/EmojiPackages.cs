using System.Text.Json;

namespace T2I.Core.Emoji;

/// <summary>
/// Where the emoji npm packages live: <c>infra/emoji/node_modules</c>, installed by <c>infra/install-deps.sh</c>
/// (<c>npm ci</c> against the pinned lock file). Nothing is ever fetched at run time.
/// </summary>
public sealed record EmojiPackages(string Root)
{
    public const string Emojibase = "emojibase-data";
    public const string RelativeRoot = "infra/emoji/node_modules";

    /// <summary>The npm package holding each style's images.</summary>
    public static string PackageOf(string style) => style switch
    {
        EmojiStyle.Google => "emoji-datasource-google",
        EmojiStyle.Twitter => "emoji-datasource-twitter",
        EmojiStyle.Fluent3D => "@lobehub/fluent-emoji-3d",
        EmojiStyle.Fluent => "@iconify-json/fluent-emoji",
        EmojiStyle.FluentFlat => "@iconify-json/fluent-emoji-flat",
        _ => throw new ArgumentException($"Unknown emoji style '{style}'.", nameof(style)),
    };

    /// <summary>
    /// <paramref name="root"/> when given; else the first <see cref="RelativeRoot"/> above the working directory or
    /// the program's folder (a repository checkout), else where it would be under the working directory.
    /// </summary>
    public static EmojiPackages Locate(string? root = null)
    {
        if (root is not null) return new EmojiPackages(Path.GetFullPath(root));
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RelativeRoot);
                if (Directory.Exists(candidate)) return new EmojiPackages(candidate);
            }
        return new EmojiPackages(Path.GetFullPath(RelativeRoot));
    }

    /// <summary>The package's folder; <see cref="EmojiPackageMissingException"/> when it has no package.json.</summary>
    public string Require(string package)
    {
        var dir = Path.Combine(Root, package);
        if (!File.Exists(Path.Combine(dir, "package.json"))) throw new EmojiPackageMissingException(package, Root);
        return dir;
    }

    /// <summary>"name@version" from the package's package.json, for each sample's provenance.</summary>
    public string Versioned(string package)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Require(package), "package.json")));
        return doc.RootElement.TryGetProperty("version", out var v) ? $"{package}@{v.GetString()}" : package;
    }
}

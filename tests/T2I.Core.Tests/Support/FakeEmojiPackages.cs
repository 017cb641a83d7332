using System.Text.Json;
using SkiaSharp;
using T2I.Core.Data;

namespace T2I.Core.Tests.Support;

/// <summary>
/// A tiny emoji node_modules in the real packages' layouts: emojibase-data (en/data.json, meta/groups.json), the two
/// emoji-datasource sets (emoji.json + img/SET/64/*.png), fluent-3d (assets/*.webp) and both Iconify sets (icons.json).
/// Concepts: red apple (every style), red heart (written 2764-FE0F / 2764-fe0f / 2764: the FE0F join), dog (google;
/// fluent as an hFlip alias), grinning face (google only). Planted defects, one line each below.
/// </summary>
public static class FakeEmojiPackages
{
    /// <summary>
    /// Pictures: transparent, an opaque red centre square, a half-transparent blue top-left block; <paramref name="mark"/>
    /// greys the bottom-right pixel, so no two files are exact duplicates (ingestion would drop those).
    /// </summary>
    public static SKBitmap Picture(int size, byte mark)
    {
        var bmp = new SKBitmap(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(bmp);
        canvas.Clear(SKColors.Transparent);
        using var red = new SKPaint { Color = SKColors.Red };
        canvas.DrawRect(size / 4f, size / 4f, size / 2f, size / 2f, red);
        using var blue = new SKPaint { Color = new SKColor(0, 0, 255, 128) };
        canvas.DrawRect(0, 0, size / 8f, size / 8f, blue);
        bmp.SetPixel(size - 1, size - 1, new SKColor(mark, mark, mark));
        return bmp;
    }

    public static string Write(string root, bool withTwitter = true)
    {
        Package(root, "emojibase-data", "17.0.0");
        Json(root, "emojibase-data/meta/groups.json", new
        {
            groups = new Dictionary<string, string> { ["0"] = "smileys-emotion", ["3"] = "animals-nature", ["4"] = "food-drink" },
            subgroups = new Dictionary<string, string>
            {
                ["0"] = "face-smiling", ["13"] = "emotion", ["20"] = "animal-mammal",
                ["30"] = "food-fruit"
            },
        });
        Json(root, "emojibase-data/en/data.json", new object[]
        {
            new { label = "grinning face", hexcode = "1F600", emoji = "😀", tags = new[] { "face", "grin" }, order = 1, group = 0,
                subgroup = 0 },
            new { label = "red heart", hexcode = "2764-FE0F", emoji = "❤️", tags = new[] { "heart", "love" }, order = 2, group = 0,
                subgroup = 13 },
            new { label = "dog", hexcode = "1F415", emoji = "🐕", tags = new[] { "dog", "pet" }, order = 3, group = 3, subgroup = 20 },
            new { label = "red apple", hexcode = "1F34E", emoji = "🍎", tags = new[] { "apple", "fruit", "red" }, order = 4,
                group = 4, subgroup = 30 },
            new { label = "pear", hexcode = "1F350", emoji = "🍐", tags = new[] { "fruit" }, order = 5, group = 4, subgroup = 30 },
            new { hexcode = "1F34F", emoji = "🍏" }, // defect: no label (bad_entry)
        });
        Datasource(root, "google", extra: true);
        if (withTwitter) Datasource(root, "twitter", extra: false);

        Package(root, "@lobehub/fluent-emoji-3d", "1.1.0");
        Webp(root, "@lobehub/fluent-emoji-3d/assets/1f34e.webp", 60);
        Webp(root, "@lobehub/fluent-emoji-3d/assets/2764-fe0f.webp", 120);
        Webp(root, "@lobehub/fluent-emoji-3d/assets/1f415-1f3fb.webp", 180); // skin tone
        Iconify(root, "@iconify-json/fluent-emoji", "1.2.7", new Dictionary<string, object>
        {
            ["red-apple"] = Half(1), ["dog-facing-left"] = Half(2), // the latter: no label (no_caption)
            ["red-heart"] = Half(3), ["red-heart-medium"] = Half(4), // skin-tone style name
        }, new Dictionary<string, object> { ["dog"] = new { parent = "dog-facing-left", hFlip = true } });
        Iconify(root, "@iconify-json/fluent-emoji-flat", "1.2.6", new Dictionary<string, object>
        {
            ["red-apple"] = Half(5), ["red-heart"] = new { body = "<g><path d=\"M0 0" }, // defect: broken SVG
        }, []);
        return root;
    }

    /// <summary>A red left half (and a marked corner pixel); "dog" is its mirror image, so dog's red lies right.</summary>
    private static object Half(int mark) => new
    {
        body = $"<path fill=\"#FF0000\" d=\"M0 0h16v32H0z\"/><path " +
        $"fill=\"#0{mark}0{mark}0{mark}\" d=\"M31 31h1v1h-1z\"/>"
    };

    private static void Webp(string root, string path, byte mark)
    {
        using var pic = Picture(128, mark);
        Bytes(root, path, ImageCodec.EncodeWebp(pic, 90));
    }

    private static void Png(string root, string path, byte mark)
    {
        using var pic = Picture(64, mark);
        Bytes(root, path, ImageCodec.EncodePng(pic));
    }

    private static void Datasource(string root, string set, bool extra)
    {
        string package = $"emoji-datasource-{set}", dir = $"{package}/img/{set}/64";
        Package(root, package, "16.0.0");
        var entries = new List<object>
        {
            Entry("1F34E", "1f34e.png", set), Entry("2764-FE0F", "2764-fe0f.png", set),
        };
        byte mark = (byte)(extra ? 10 : 20);
        Png(root, $"{dir}/1f34e.png", mark);
        Png(root, $"{dir}/2764-fe0f.png", (byte)(mark + 1));
        if (extra)
        {
            entries.Add(Entry("1F600", "1f600.png", set));
            entries.Add(Entry("1F415", "1f415.png", set));
            Png(root, $"{dir}/1f600.png", 30);
            Bytes(root, $"{dir}/1f415.png", "\x89PNG this is not a PNG"u8.ToArray()); // defect: bad_image
            entries.Add(Entry("1F9FF", "1f9ff.png", set)); // defect: emojibase does not know it (no_caption)
            Png(root, $"{dir}/1f9ff.png", 31);
            entries.Add(Entry("1F350", "1f350.png", set)); // defect: listed, no file (missing_file)
            entries.Add(new Dictionary<string, object> { ["image"] = "x.png" }); // defect: no code points (bad_entry)
            entries.Add(Entry("1F351", "1f351.png", set, has: false)); // not drawn in this set: ignored, not a skip
        }
        Json(root, $"{package}/emoji.json", entries);
    }

    private static Dictionary<string, object> Entry(string unified, string image, string set, bool has = true) => new()
    {
        ["unified"] = unified, ["image"] = image, [$"has_img_{set}"] = has, ["has_img_apple"] = true,
    };

    private static void Iconify(string root, string package, string version, Dictionary<string, object> icons,
        Dictionary<string, object> aliases)
    {
        Package(root, package, version);
        Json(root, $"{package}/icons.json", new { prefix = package.Split('/')[1], icons, aliases, width = 32, height = 32 });
        Json(root, $"{package}/chars.json", new { });
    }

    private static void Package(string root, string name, string version) =>
        Json(root, $"{name}/package.json", new { name, version, license = "MIT" });

    private static void Json(string root, string path, object value) => Bytes(root, path, JsonSerializer.SerializeToUtf8Bytes(value));

    private static void Bytes(string root, string path, byte[] data)
    {
        var full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, data);
    }
}

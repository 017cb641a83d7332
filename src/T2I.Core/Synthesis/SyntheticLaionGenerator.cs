using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SkiaSharp;
using T2I.Core.Data;

namespace T2I.Core.Synthesis;

/// <summary>
/// Generates LAION-like samples: a drawn <see cref="SceneSpec"/>, a caption that states it, realistic
/// metadata, and planted defects. Sample <c>g</c> depends only on (seed, g), so output is deterministic and
/// shards can be drawn in parallel.
/// </summary>
public sealed class SyntheticLaionGenerator
{
    private static readonly string[] Domains =
    [
        "images.example.com", "cdn.photohub.example", "static.artgallery.example", "media.shopfront.example",
        "i.blogspace.example", "pics.travelnotes.example", "assets.newsroom.example", "img.recipes.example",
    ];

    private readonly int _seed;
    private readonly double _defectShare;
    private readonly SynthVocabulary _vocabulary;
    private readonly long[] _shardStarts; // shard k holds samples [_shardStarts[k], _shardStarts[k + 1])

    public SyntheticLaionGenerator(int seed, long count, int shards, double defectShare = 0.25, SynthVocabulary? vocabulary = null)
    {
        _vocabulary = vocabulary ?? SynthVocabulary.Full;
        if (count < 1 || shards < 1 || shards > count)
            throw new ArgumentOutOfRangeException(nameof(shards), "Need 1 ≤ shards ≤ count.");
        _seed = seed;
        _defectShare = defectShare;
        _shardStarts = Enumerable.Range(0, shards + 1).Select(k => count * k / shards).ToArray();
    }

    public int ShardCount => _shardStarts.Length - 1;

    /// <summary>All samples of shard <paramref name="shard"/>, drawn in parallel; the last one of odd shards is cut off
    /// in its tar.</summary>
    public List<SyntheticSample> Shard(int shard)
    {
        long first = _shardStarts[shard];
        var samples = new SyntheticSample[_shardStarts[shard + 1] - first];
        Parallel.For(0, samples.Length, i => samples[i] = Sample(shard, first + i));
        return samples.ToList();
    }

    private SyntheticDefect DefectFor(long g)
    {
        if (_defectShare <= 0) return SyntheticDefect.None;
        int shard = Array.FindLastIndex(_shardStarts, s => s <= g);
        if (shard % 2 == 1 && g == _shardStarts[shard + 1] - 1) return SyntheticDefect.TruncatedMember;
        long period = Math.Max(2, (long)Math.Round(1 / _defectShare));
        if (g % period != period - 1) return SyntheticDefect.None;
        return SyntheticDefects.Rotation[(int)(g / period % SyntheticDefects.Rotation.Length)];
    }

    /// <summary>
    /// Which clean sample a duplicate copies: alternately the previous sample (same shard) or the first clean
    /// sample of the previous shard, so deduplication is exercised within and across shards.
    /// </summary>
    private long OriginalOf(int shard, long g)
    {
        long period = Math.Max(2, (long)Math.Round(1 / _defectShare));
        bool crossShard = shard > 0 && g / period / SyntheticDefects.Rotation.Length % 2 == 1;
        if (!crossShard) return g - 1;
        long o = _shardStarts[shard - 1];
        while (DefectFor(o) != SyntheticDefect.None) o++;
        return o;
    }

    private SyntheticSample Sample(int shard, long g)
    {
        var defect = DefectFor(g);
        var rng = new Random(unchecked(_seed * 1_000_003 + (int)g * 7_919 + (int)(g >> 31)) & int.MaxValue);
        var spec = SceneSpec.Draw(rng, _vocabulary);
        if (defect == SyntheticDefect.TinyImage) spec = spec with { Width = 120, Height = 90 };
        if (defect == SyntheticDefect.ExtremeAspect) spec = spec with { Width = 1500, Height = 300 };
        string caption = spec.Caption(rng);

        var (image, ext) = Render(spec, rng);
        if (defect == SyntheticDefect.Duplicate && g > 0)
        {
            // The exact bytes of an earlier clean sample (its caption and metadata stay this sample's own).
            long o = OriginalOf(shard, g);
            var original = Sample(Array.FindLastIndex(_shardStarts, s => s <= o), o);
            (image, ext) = (original.Image, original.Extension);
        }
        if (defect == SyntheticDefect.CorruptJpeg)
        {
            ext = "jpg";
            rng.NextBytes(image.AsSpan(2, Math.Min(400, image.Length - 2)));
        }

        string key = $"{g:D9}";
        string domain = defect == SyntheticDefect.BlockedDomain ? "cdn." + SyntheticDefects.BlockedDomain
            : Domains[rng.Next(Domains.Length)];
        var meta = new Img2DatasetRow
        {
            Key = key,
            Url = $"https://{domain}/{(char)('a' + rng.Next(26))}{rng.Next(1000, 9999)}/" +
                $"{Convert.ToHexStringLower(BitConverter.GetBytes(rng.NextInt64()))}.{(ext == "jpg" ? "jpg" : ext)}",
            Caption = defect switch { SyntheticDefect.EmptyCaption => "", SyntheticDefect.NonUtf8Caption => null, _ => caption },
            Status = defect == SyntheticDefect.FailedStatus ? "failed_to_resize" : "success",
            ErrorMessage = defect == SyntheticDefect.FailedStatus ? "image decoding error" : null,
            Width = spec.Width, Height = spec.Height, OriginalWidth = spec.Width, OriginalHeight = spec.Height,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(image)),
            Similarity = Math.Round(0.28 + 0.12 * rng.NextDouble(), 4),
            PUnsafe = defect == SyntheticDefect.Nsfw ? 0.93 : Math.Round(0.3 * rng.NextDouble() * rng.NextDouble(), 4),
            PWatermark = defect == SyntheticDefect.Watermark ? 0.92 : Math.Round(0.4 * rng.NextDouble() * rng.NextDouble(), 4),
            Aesthetic = defect == SyntheticDefect.LowAesthetic ? 3.1 : Math.Round(4.8 + 2.7 * rng.NextDouble(), 3),
            Nsfw = defect == SyntheticDefect.Nsfw ? "NSFW" : "UNLIKELY",
        };
        byte[] captionBytes = defect == SyntheticDefect.NonUtf8Caption
            ? [0xC3, 0x28, 0xFF, 0xFE, (byte)'a', 0xA0, 0xA1] // invalid UTF-8 sequences
            : Encoding.UTF8.GetBytes(meta.Caption ?? "");
        byte[] json = defect == SyntheticDefect.BadJson
            ? Encoding.UTF8.GetBytes($"{{\"url\": \"{meta.Url}\", \"caption\": \"{caption}")
            : JsonBytes(meta, spec);
        return new SyntheticSample(key, image, ext, captionBytes, json, meta, defect);
    }

    private static (byte[] Image, string Extension) Render(SceneSpec spec, Random rng)
    {
        using var bitmap = ScenePainter.Paint(spec);
        int kind = rng.Next(10);
        string ext = kind < 8 ? "jpg" : kind == 8 ? "png" : "webp";
        return (ext switch
        {
            "jpg" => ImageCodec.EncodeJpeg(bitmap, rng.Next(85, 96)),
            "png" => ImageCodec.EncodePng(bitmap),
            _ => ImageCodec.EncodeWebp(bitmap, 85),
        }, ext);
    }

    private static byte[] JsonBytes(Img2DatasetRow meta, SceneSpec spec)
    {
        var o = new Dictionary<string, object?>
        {
            ["url"] = meta.Url, ["key"] = meta.Key, ["caption"] = meta.Caption, ["status"] = meta.Status,
            ["error_message"] = meta.ErrorMessage, ["width"] = meta.Width, ["height"] = meta.Height,
            ["original_width"] = meta.OriginalWidth, ["original_height"] = meta.OriginalHeight, ["exif"] = "{}",
            ["sha256"] = meta.Sha256, ["similarity"] = meta.Similarity, ["punsafe"] = meta.PUnsafe,
            ["pwatermark"] = meta.PWatermark, ["aesthetic"] = meta.Aesthetic, ["NSFW"] = meta.Nsfw,
            ["t2i_labels"] = spec.Labels(),
        };
        return JsonSerializer.SerializeToUtf8Bytes(o);
    }
}

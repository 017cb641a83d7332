using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using T2I.Core.Data;
using T2I.Core.Ingest;
using T2I.Core.Storage;
using T2I.Core.Synthesis;

namespace T2I.Core.Emoji;

/// <summary>
/// <c>dataprep emoji</c>'s engine: the joined set (<see cref="EmojiJoin"/>) drawn and written as img2dataset shards,
/// the layout <c>dataprep ingest</c> reads: caption = the CLDR label, the tags as caption variants, and style, group,
/// subgroup and code points both in the Parquet row and in the sample json's <c>t2i_labels</c> (which ingestion keeps).
/// </summary>
public static class EmojiShards
{
    public static async Task<EmojiReport> WriteAsync(IBlobStore store, EmojiOptions options, EmojiSkips skips,
        IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default)
    {
        options = options.Validated();
        var clock = Stopwatch.StartNew();
        var join = EmojiJoin.Build(options, skips);
        var pairs = join.Pairs;
        int shards = (pairs.Count + options.ShardSize - 1) / options.ShardSize;
        var written = options.Styles.ToDictionary(s => s, _ => 0);
        var stylesOf = new Dictionary<string, int>(); // concept hexcode → styles written
        long done = 0;
        for (int shard = 0; shard < shards; shard++)
        {
            ct.ThrowIfCancellationRequested();
            int first = shard * options.ShardSize, count = Math.Min(options.ShardSize, pairs.Count - first);
            var drawn = new (ShardMember Member, EmojiRow Row)?[count];
            Parallel.For(0, count, new ParallelOptions { CancellationToken = ct },
                i => drawn[i] = Sample(first + i, pairs[first + i].Concept, pairs[first + i].Art, options, skips));
            var kept = drawn.OfType<(ShardMember Member, EmojiRow Row)>().ToList();
            int s = shard;
            await StoreUnavailableException.Guard("output", store, $"writing shard {s:D5}",
                () => SynthShardWriter.WriteAsync(store, s, kept.Select(k => k.Member).ToList(), kept.Select(k => k.Row).ToList(), ct));
            foreach (var k in kept)
            {
                written[k.Row.Style]++;
                stylesOf[k.Row.Hexcode] = stylesOf.GetValueOrDefault(k.Row.Hexcode) + 1;
            }
            done += count;
            progress?.Report(new ProgressUpdate("images", done, pairs.Count, $"shard {shard + 1}/{shards}"));
        }
        int inAll = stylesOf.Values.Count(n => n == options.Styles.Count);
        return new EmojiReport(stylesOf.Count, written, shards, skips.ByReason, clock.Elapsed) { ConceptsInAllStyles = inAll };
    }

    private static (ShardMember, EmojiRow)? Sample(long index, EmojiConcept concept, EmojiArt art, EmojiOptions options,
        EmojiSkips skips)
    {
        byte[] png;
        int sourceWidth, sourceHeight;
        try { (png, sourceWidth, sourceHeight) = EmojiRasterizer.Render(art, options.Size, options.Background); }
        catch (Exception e) when (e is InvalidImageException or IOException)
        {
            skips.Add(EmojiSkips.BadImage, $"{art.Url}: {e.Message}");
            return null;
        }
        string key = $"{index:D9}";
        var row = new EmojiRow
        {
            Key = key, Url = art.Url, Caption = concept.Label, Width = options.Size, Height = options.Size,
            OriginalWidth = sourceWidth, OriginalHeight = sourceHeight, Sha256 = Convert.ToHexStringLower(SHA256.HashData(png)),
            Emoji = concept.Emoji, Hexcode = concept.Hexcode, Style = art.Style, Group = concept.Group,
            Subgroup = concept.Subgroup, CaptionVariants = JsonSerializer.Serialize(Variants(concept)),
        };
        return (new ShardMember(key, "png", png, Json(row, concept), Encoding.UTF8.GetBytes(concept.Label)), row);
    }

    /// <summary>The tags, without the label itself and without repeats.</summary>
    public static IReadOnlyList<string> Variants(EmojiConcept concept) => concept.Tags
        .Where(t => !string.Equals(t, concept.Label, StringComparison.OrdinalIgnoreCase))
        .Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    private static byte[] Json(EmojiRow row, EmojiConcept concept) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
    {
        ["url"] = row.Url, ["key"] = row.Key, ["caption"] = row.Caption, ["status"] = row.Status, ["error_message"] = null,
        ["width"] = row.Width, ["height"] = row.Height, ["original_width"] = row.OriginalWidth,
        ["original_height"] = row.OriginalHeight, ["exif"] = "{}", ["sha256"] = row.Sha256,
        ["caption_variants"] = Variants(concept),
        ["t2i_labels"] = new Dictionary<string, string?>
        {
            ["concept"] = concept.Hexcode, ["emoji"] = concept.Emoji, ["label"] = concept.Label, ["style"] = row.Style,
            ["group"] = concept.Group, ["subgroup"] = concept.Subgroup,
        },
    });
}

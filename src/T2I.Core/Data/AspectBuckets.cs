namespace T2I.Core.Data;

/// <summary>An aspect-ratio bucket: pixel size at one base resolution. Sides are multiples of 16 (latent f = 16).</summary>
public sealed record AspectBucket(int Width, int Height)
{
    public double AspectRatio => (double)Width / Height;

    /// <summary>Stable name used in shard paths and configs, e.g. <c>320x192</c>.</summary>
    public string Name => $"{Width}x{Height}";

    public static AspectBucket Parse(string name) =>
        TryParse(name) ?? throw new FormatException($"'{name}' is not a bucket name like 320x192.");

    /// <summary>"WxH" (e.g. 320x192) → the size, or null: the one parser of sizes (CLI, API, page, configs).</summary>
    public static AspectBucket? TryParse(string? name)
    {
        var parts = name?.Split('x');
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        return parts is { Length: 2 } && int.TryParse(parts[0], ci, out int w) && int.TryParse(parts[1], ci, out int h)
            ? new AspectBucket(w, h) : null;
    }
}

/// <summary>
/// The bucket tables training, data preparation and the web app share. Like PixArt's aspect bins: for each
/// base resolution R, sizes whose area stays close to R² with both sides multiples of 16, covering aspect
/// ratios from 1:4 to 4:1.
/// </summary>
public static class AspectBuckets
{
    public const int Multiple = 16;
    public const double MaxAspect = 4.0;

    private static readonly Dictionary<int, IReadOnlyList<AspectBucket>> Cache = new();

    /// <summary>The table for a base resolution (any multiple of 16; 256 and 512 are the paper's).</summary>
    public static IReadOnlyList<AspectBucket> For(int baseResolution)
    {
        if (baseResolution < 64 || baseResolution % Multiple != 0)
            throw new ArgumentOutOfRangeException(nameof(baseResolution), baseResolution,
                "Base resolution must be a multiple of 16, at least 64.");
        lock (Cache)
        {
            if (!Cache.TryGetValue(baseResolution, out var table)) Cache[baseResolution] = table = Build(baseResolution);
            return table;
        }
    }

    /// <summary>The bucket whose aspect ratio is nearest (in log space) to width/height.</summary>
    public static AspectBucket Nearest(int baseResolution, double width, double height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), "Image sides must be positive.");
        double target = Math.Log(width / height);
        return For(baseResolution).MinBy(b => Math.Abs(Math.Log(b.AspectRatio) - target))!;
    }

    /// <summary>True when (width, height) is a bucket of the table — the only sizes users may request.</summary>
    public static bool Contains(int baseResolution, int width, int height) =>
        For(baseResolution).Any(b => b.Width == width && b.Height == height);

    private static IReadOnlyList<AspectBucket> Build(int r)
    {
        // Walk one side in steps of 16; the other keeps the area nearest r², rounded to 16; mirror both ways.
        var buckets = new SortedSet<AspectBucket>(Comparer<AspectBucket>.Create((a, b) => a.AspectRatio.CompareTo(b.AspectRatio)));
        double area = (double)r * r;
        for (int h = Multiple; h <= r * 2; h += Multiple)
        {
            int w = (int)Math.Round(area / h / Multiple) * Multiple;
            if (w < Multiple) continue;
            double aspect = (double)w / h;
            if (aspect > MaxAspect || aspect < 1 / MaxAspect) continue;
            if (Math.Abs(w * h - area) / area > 0.15) continue;
            buckets.Add(new AspectBucket(w, h));
            buckets.Add(new AspectBucket(h, w)); // landscape and portrait tables mirror each other
        }
        return buckets.ToList();
    }
}

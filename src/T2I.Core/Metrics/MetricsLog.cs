using System.Globalization;
using System.Text;
using System.Text.Json;

namespace T2I.Core.Metrics;

/// <summary>One line of a metrics JSONL file.</summary>
public sealed record MetricsRecord(long Step, DateTime TimeUtc, double ElapsedSeconds, IReadOnlyDictionary<string, double> Values);

/// <summary>
/// Training metrics as JSON lines: <c>{"step":12,"time":"…Z","elapsed_s":3.5,"loss":0.1,…}</c>, one object per
/// line, flushed per write so a killed run loses at most the line being written. Reopening for a resumed run
/// drops lines beyond the resumed step (and a torn last line), so the curve continues without duplicates.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    private const string StepKey = "step", TimeKey = "time", ElapsedKey = "elapsed_s";
    private readonly StreamWriter _writer;

    private MetricsLog(string path, StreamWriter writer)
    {
        Path = path;
        _writer = writer;
    }

    public string Path { get; }

    /// <summary>
    /// Opens <paramref name="path"/> for appending. With <paramref name="resumeStep"/>, lines whose step is greater
    /// are removed first (rewritten atomically via a temp file); pass 0 for a fresh run to start an empty log.
    /// </summary>
    public static MetricsLog Open(string path, long? resumeStep = null)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        if (resumeStep is { } keepUpTo && File.Exists(path)) Truncate(path, keepUpTo);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        return new MetricsLog(path, new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true });
    }

    /// <summary>Appends one line. Non-finite values are written as the strings "NaN"/"Infinity"/"-Infinity".</summary>
    public void Write(long step, IReadOnlyDictionary<string, double> values, double elapsedSeconds = 0, DateTime? timeUtc = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber(StepKey, step);
            json.WriteString(TimeKey, (timeUtc ?? DateTime.UtcNow).ToString("O", CultureInfo.InvariantCulture));
            json.WriteNumber(ElapsedKey, Math.Round(elapsedSeconds, 3));
            foreach (var (name, value) in values)
            {
                if (name is StepKey or TimeKey or ElapsedKey)
                    throw new ArgumentException($"Metric name '{name}' is reserved.", nameof(values));
                if (double.IsFinite(value)) json.WriteNumber(name, value);
                else json.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
            }
            json.WriteEndObject();
        }
        _writer.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>Reads every well-formed line; a torn or foreign line is skipped (a killed writer can leave one).</summary>
    public static IReadOnlyList<MetricsRecord> Read(string path)
    {
        var records = new List<MetricsRecord>();
        if (!File.Exists(path)) return records;
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        while (reader.ReadLine() is { } line)
            if (TryParse(line, out var record)) records.Add(record);
        return records;
    }

    public static bool TryParse(string line, out MetricsRecord record)
    {
        record = null!;
        if (string.IsNullOrWhiteSpace(line)) return false;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(StepKey, out var s) || !s.TryGetInt64(out long step))
                return false;
            DateTime time = root.TryGetProperty(TimeKey, out var t) && t.ValueKind == JsonValueKind.String
                && DateTime.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
                    ? parsed : default;
            double elapsed = root.TryGetProperty(ElapsedKey, out var e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble() : 0;
            var values = new Dictionary<string, double>();
            foreach (var p in root.EnumerateObject())
            {
                if (p.Name is StepKey or TimeKey or ElapsedKey) continue;
                if (p.Value.ValueKind == JsonValueKind.Number) values[p.Name] = p.Value.GetDouble();
                else if (p.Value.ValueKind == JsonValueKind.String && double.TryParse(p.Value.GetString(), NumberStyles.Float,
                    CultureInfo.InvariantCulture, out double v))
                    values[p.Name] = v;
            }
            record = new MetricsRecord(step, time, elapsed, values);
            return true;
        }
        catch (JsonException) { return false; }
    }

    private static void Truncate(string path, long keepUpTo)
    {
        var kept = new List<string>();
        bool changed = false;
        foreach (string line in File.ReadLines(path))
        {
            if (TryParse(line, out var r) && r.Step <= keepUpTo) kept.Add(line);
            else changed = true;
        }
        if (!changed) return;
        string temp = path + ".tmp";
        File.WriteAllLines(temp, kept, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }

    public void Dispose() => _writer.Dispose();
}

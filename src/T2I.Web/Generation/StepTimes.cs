using System.Globalization;
using Hangfire;

namespace T2I.Web.Generation;

/// <summary>
/// The measured seconds one image-step takes on the generation workers (an average weighted towards recent jobs),
/// kept in the Hangfire storage so web replicas that run no jobs can show ETAs too. Concurrent writers may overwrite
/// each other's update; an ETA needs the order of magnitude, not every sample.
/// </summary>
public sealed class StepTimes(JobStorage storage)
{
    public const string Key = "t2i:generation:timing";
    private const string Field = "seconds-per-image-step";
    private const double Weight = 0.3;
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);
    private readonly Lock _lock = new();
    private (double? Value, DateTime At) _cached = (null, DateTime.MinValue);

    /// <summary>A finished job drew <paramref name="imageSteps"/> image-steps in <paramref name="elapsed"/>.</summary>
    public void Record(int imageSteps, TimeSpan elapsed)
    {
        if (imageSteps <= 0 || elapsed <= TimeSpan.Zero) return;
        double sample = elapsed.TotalSeconds / imageSteps;
        double next = Read() is { } old ? old + Weight * (sample - old) : sample;
        using var connection = storage.GetConnection();
        using var write = connection.CreateWriteTransaction();
        write.SetRangeInHash(Key, [new(Field, next.ToString("R", CultureInfo.InvariantCulture))]);
        write.Commit();
        lock (_lock) _cached = (next, DateTime.UtcNow);
    }

    /// <summary>Null until a job has finished.</summary>
    public double? SecondsPerImageStep()
    {
        lock (_lock)
        {
            if (DateTime.UtcNow - _cached.At <= MaxAge) return _cached.Value;
            _cached = (Read(), DateTime.UtcNow);
            return _cached.Value;
        }
    }

    private double? Read()
    {
        using var connection = storage.GetConnection();
        return connection.GetAllEntriesFromHash(Key)?.GetValueOrDefault(Field) is { } text
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;
    }
}

using T2I.Core.Checkpoints;
using T2I.Core.Metrics;
using T2I.Training.Loop;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Loop;

/// <summary>A unique temp folder removed on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "t2i-fw-" + Guid.NewGuid().ToString("N")[..12]));

    public string Path { get; }
    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

public static class TensorAssert
{
    /// <summary>Same dtype, shape and bytes (bit-identical, unlike ==, which equates 0 and −0).</summary>
    public static bool BitEqual(Tensor a, Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape)) return false;
        using var ca = a.detach().cpu().contiguous();
        using var cb = b.detach().cpu().contiguous();
        return ca.bytes.SequenceEqual(cb.bytes);
    }

    /// <summary>Both safetensors files hold the same keys with bit-identical values.</summary>
    public static void SameFile(string expected, string actual)
    {
        var a = SafeTensors.Load(expected);
        var b = SafeTensors.Load(actual);
        Assert.Equal(a.Keys.OrderBy(k => k), b.Keys.OrderBy(k => k));
        foreach (var (k, t) in a) Assert.True(BitEqual(t, b[k]), $"tensor '{k}' differs between {expected} and {actual}");
    }

    public static void SameModule(nn.Module expected, nn.Module actual)
    {
        var a = expected.state_dict();
        var b = actual.state_dict();
        Assert.Equal(a.Keys, b.Keys);
        foreach (var (k, t) in a) Assert.True(BitEqual(t, b[k]), $"'{k}' differs");
    }
}

/// <summary>
/// Tests that depend on torch's process-wide generator (seed → exact weights) run alone: another test drawing
/// random numbers on a parallel thread would shift the stream and break bit-for-bit comparisons.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalTorchState
{
    public const string Name = "global torch RNG";
}

/// <summary>Comparisons of whole runs (checkpoint files and metric curves).</summary>
public static class RunAssert
{
    /// <summary>Metric lines without the wall-clock fields, values in round-trip form.</summary>
    public static List<string> Curve(string runDir)
        => MetricsLog.Read(Path.Combine(runDir, TrainingLoop.MetricsFile))
            .Select(r => $"{r.Step}:" + string.Join(",", r.Values.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value:R}")))
            .ToList();

    /// <summary>Same latest step, bit-identical model/EMA/optimizer files, RNG, data position and metric curve.</summary>
    public static void SameRun(string expectedRun, string actualRun)
    {
        var a = CheckpointFolder.Open(expectedRun);
        var b = CheckpointFolder.Open(actualRun);
        Assert.Equal(a.Step, b.Step);
        foreach (string file in new[] { CheckpointFolder.ModelFile, CheckpointFolder.EmaFile, CheckpointFolder.OptimizerFile })
            TensorAssert.SameFile(a.File(file), b.File(file));
        var ca = a.ReadConfig();
        var cb = b.ReadConfig();
        Assert.Equal(ca.RngState, cb.RngState);
        Assert.Equal(ca.DataPosition?.ToJsonString(), cb.DataPosition?.ToJsonString());
        Assert.Equal(ca.TrainerState?.ToJsonString(), cb.TrainerState?.ToJsonString());
        Assert.Equal(Curve(expectedRun), Curve(actualRun));
    }
}

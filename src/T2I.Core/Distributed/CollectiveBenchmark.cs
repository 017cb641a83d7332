using System.Diagnostics;
using static TorchSharp.torch;

namespace T2I.Core.Distributed;

/// <summary>One message size's all-reduce figures (nccl-tests' definitions: bus bandwidth = algorithm × 2(n−1)/n).</summary>
public sealed record AllReduceFigure(long Bytes, int Iterations, double SecondsPerCall, double AlgorithmGBps, double BusGBps);

/// <summary>
/// Times and checks the collectives every rank runs together: each all-reduce sums rank-dependent values and is compared
/// with the closed form, so a figure is never printed for a wrong result.
/// </summary>
public static class CollectiveBenchmark
{
    /// <summary>Broadcast, all-gather and all-reduce (sum, mean, max) against their expected values; throws on a mismatch.</summary>
    public static void Verify(ICollective c)
    {
        int n = c.WorldSize, r = c.Rank;
        using (var t = full(1000, r + 1.0f))
        {
            c.AllReduce(t, ReduceOp.Sum);
            Expect(t, n * (n + 1) / 2.0, "all-reduce sum");
        }
        using (var t = full(7, r + 1.0f))
        {
            c.AllReduce(t, ReduceOp.Mean);
            Expect(t, (n + 1) / 2.0, "all-reduce mean");
        }
        using (var t = full(3, (long)r))
        {
            c.AllReduce(t, ReduceOp.Max);
            Expect(t, n - 1, "all-reduce max");
        }
        using (var t = full(5, (float)r, ScalarType.BFloat16))
        {
            c.Broadcast(t, root: n - 1);
            Expect(t, n - 1, "broadcast");
        }
        var gathered = c.AllGather(Enumerable.Repeat((byte)r, r + 1).ToArray());
        for (int i = 0; i < n; i++)
            if (gathered[i].Length != i + 1 || gathered[i].Any(b => b != i))
                throw new InvalidOperationException($"all-gather: rank {i}'s bytes came back wrong on rank {r}.");
        c.Barrier();
    }

    /// <summary>Sum all-reduce of float32 buffers of each size; the first calls warm the transport up.</summary>
    public static IReadOnlyList<AllReduceFigure> AllReduce(ICollective c, IEnumerable<long> sizesBytes, double secondsPerSize = 0.5)
    {
        var figures = new List<AllReduceFigure>();
        foreach (long bytes in sizesBytes)
        {
            using var buffer = full(Math.Max(1, bytes / 4), 1.0f);
            for (int i = 0; i < 3; i++) c.AllReduce(buffer, ReduceOp.Sum);
            // Rank 0 decides the count from a probe so that every rank makes the same number of calls.
            var probe = Stopwatch.StartNew();
            c.AllReduce(buffer, ReduceOp.Sum);
            long calls = Math.Clamp((long)(secondsPerSize / Math.Max(1e-7, probe.Elapsed.TotalSeconds)), 3, 2000);
            using var count = tensor(new[] { calls });
            c.Broadcast(count);
            int iterations = (int)count.item<long>();
            buffer.fill_(1.0f);
            c.Barrier();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < iterations; i++) c.AllReduce(buffer, ReduceOp.Mean);   // mean keeps the values at 1
            double seconds = clock.Elapsed.TotalSeconds / iterations;
            Expect(buffer, 1.0, $"all-reduce of {bytes} bytes");
            double algorithm = buffer.NumberOfElements * 4 / seconds / 1e9;
            figures.Add(new AllReduceFigure(buffer.NumberOfElements * 4, iterations, seconds, algorithm,
                algorithm * 2.0 * (c.WorldSize - 1) / c.WorldSize));
        }
        return figures;
    }

    private static void Expect(Tensor t, double expected, string what)
    {
        using var f = t.to(ScalarType.Float64);
        double worst = f.sub(expected).abs().max().item<double>();
        if (worst > 1e-5 * Math.Max(1, Math.Abs(expected)))
            throw new InvalidOperationException($"{what}: off by {worst} from {expected}.");
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.Distributed;

/// <summary>
/// Averages gradients over the ranks as DDP does: gradients are flattened into fp32 buckets of about
/// <see cref="BucketBytes"/> each (one collective per bucket, not per parameter: latency dominates small messages),
/// reduced, and copied back. Every rank must pass the same parameters in the same order.
/// </summary>
public sealed record GradientBuckets(ICollective Collective, long BucketBytes = 25L << 20)
{
    /// <summary>Replaces each parameter's gradient with its mean over the ranks; returns the bytes reduced.</summary>
    public long AllReduceMean(IEnumerable<Parameter> parameters)
    {
        // A parameter without a gradient on one rank but not another would shift the buckets: treat missing as zeros.
        var list = parameters.Where(p => p.requires_grad).ToList();
        if (Collective.WorldSize == 1 || list.Count == 0) return 0;
        long reduced = 0;
        foreach (var bucket in Buckets(list))
        {
            using var scope = torch.NewDisposeScope();
            var device = bucket[0].device;
            var flat = torch.cat(bucket.Select(p => (p.grad ?? torch.zeros_like(p)).to(ScalarType.Float32, device).flatten())
                .ToList());
            Collective.AllReduce(flat, ReduceOp.Mean);
            long offset = 0;
            foreach (var p in bucket)
            {
                var part = flat.narrow(0, offset, p.numel()).view_as(p).to(p.dtype);
                if (p.grad is null) p.grad = part.DetachFromDisposeScope();
                else p.grad.copy_(part);
                offset += p.numel();
            }
            reduced += flat.NumberOfElements * 4;
        }
        return reduced;
    }

    private IEnumerable<List<Parameter>> Buckets(List<Parameter> parameters)
    {
        var bucket = new List<Parameter>();
        long bytes = 0;
        foreach (var p in parameters)
        {
            if (bucket.Count > 0 && (bytes + p.numel() * 4 > BucketBytes || p.device != bucket[0].device))
            {
                yield return bucket;
                bucket = [];
                bytes = 0;
            }
            bucket.Add(p);
            bytes += p.numel() * 4;
        }
        if (bucket.Count > 0) yield return bucket;
    }
}

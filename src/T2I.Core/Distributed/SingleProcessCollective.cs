using static TorchSharp.torch;

namespace T2I.Core.Distributed;

/// <summary>World size 1: every collective is the identity, so the loop has one code path.</summary>
public sealed class SingleProcessCollective : ICollective
{
    public static readonly SingleProcessCollective Instance = new();

    public int Rank => 0;
    public int WorldSize => 1;
    public int LocalRank => 0;
    public string Backend => "single process";

    public void AllReduce(Tensor buffer, ReduceOp op) { }
    public void Broadcast(Tensor buffer, int root = 0) => ArgumentOutOfRangeException.ThrowIfNotEqual(root, 0);
    public void Barrier() { }
    public byte[][] AllGather(byte[] mine) => [mine];
    public void Dispose() { }
}

namespace T2I.Core.Distributed;

/// <summary>How <see cref="ICollective.AllReduce"/> combines the ranks' values.</summary>
public enum ReduceOp
{
    Sum,
    /// <summary>Sum divided by the world size (gradient averaging).</summary>
    Mean,
    Max,
}

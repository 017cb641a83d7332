using System.Net;
using System.Net.Sockets;
using T2I.Core.Distributed;
using TorchSharp;

namespace T2I.Core.Tests.Distributed;

/// <summary>Runs where libnccl.so.2 and a CUDA device exist; elsewhere the skip reason says what is missing.</summary>
public sealed class NcclFactAttribute : FactAttribute
{
    public NcclFactAttribute()
    {
        if (!NcclCollective.IsAvailable(out string? why)) Skip = $"NCCL backend not exercised here: {why}";
    }
}

public class NcclCollectiveTests
{
    [NcclFact]
    public void OneRankCommunicatorPassesTheCollectiveChecksOnTheGpu()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var nccl = NcclCollective.OverTcpRendezvous(new RankEnvironment(0, 1, 0, "torchrun"),
            new MasterEndpoint("127.0.0.1", port, TimeSpan.FromSeconds(30)));
        Assert.StartsWith("nccl ", nccl.Backend);
        CollectiveBenchmark.Verify(nccl);
        using var onGpu = torch.arange(10, dtype: torch.float32, device: torch.CUDA);
        nccl.AllReduce(onGpu, ReduceOp.Sum);
        Assert.Equal(45f, onGpu.sum().cpu().item<float>());
    }
}

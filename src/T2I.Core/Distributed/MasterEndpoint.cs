using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace T2I.Core.Distributed;

/// <summary>
/// torchrun's rendezvous address (<c>MASTER_ADDR</c>, <c>MASTER_PORT</c>): rank 0 listens there and hands each other
/// rank NCCL's unique id, the out-of-band step NCCL's documentation asks for; nothing else crosses this socket.
/// </summary>
public sealed record MasterEndpoint(string Address, int Port, TimeSpan Timeout)
{
    public static MasterEndpoint FromEnvironment()
    {
        string address = Environment.GetEnvironmentVariable("MASTER_ADDR") ?? "127.0.0.1";
        string port = Environment.GetEnvironmentVariable("MASTER_PORT") ?? "29500";
        return new MasterEndpoint(address, int.Parse(port, CultureInfo.InvariantCulture), TimeSpan.FromMinutes(5));
    }

    /// <summary>Rank 0: sends <paramref name="payload"/> to <paramref name="peers"/> connections, then returns it.</summary>
    public byte[] Serve(byte[] payload, int peers)
    {
        using var listener = new TcpListener(IPAddress.Any, Port);
        listener.Start();
        using var deadline = new CancellationTokenSource(Timeout);
        for (int i = 0; i < peers; i++)
        {
            using var client = listener.AcceptTcpClientAsync(deadline.Token).AsTask().GetAwaiter().GetResult();
            client.GetStream().Write(payload);
        }
        return payload;
    }

    /// <summary>Other ranks: connects (retrying while rank 0 starts) and reads <paramref name="length"/> bytes.</summary>
    public byte[] Fetch(int length)
    {
        var until = DateTime.UtcNow + Timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient(Address, Port);
                var buffer = new byte[length];
                client.GetStream().ReadExactly(buffer);
                return buffer;
            }
            catch (SocketException) when (DateTime.UtcNow < until)
            {
                Thread.Sleep(500);
            }
        }
    }
}

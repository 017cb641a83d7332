using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace T2I.Core.Ingest;

/// <summary>
/// Maps a blocking source through a function on several threads and yields the results in source order, with
/// at most <c>window</c> items between the reader and the consumer. The bound is what keeps memory flat: a
/// slow consumer (an upload) stops the source (a tar being read) instead of letting decoded samples pile up.
/// </summary>
public static class OrderedParallel
{
    public static async IAsyncEnumerable<TOut> SelectAsync<TIn, TOut>(IEnumerable<TIn> source, Func<TIn, TOut> map,
        int workers, int window, [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var gate = new SemaphoreSlim(Math.Max(1, workers));
        var queue = Channel.CreateBounded<Task<TOut>>(new BoundedChannelOptions(Math.Max(1, window))
        {
            SingleReader = true,
            SingleWriter = true
        });
        // The source is read on its own thread: it is synchronous and may wait on the network.
        var producer = Task.Run(async () =>
        {
            try
            {
                foreach (var item in source)
                {
                    var task = Task.Run(async () =>
                    {
                        await gate.WaitAsync(stop.Token);
                        try { return map(item); }
                        finally { gate.Release(); }
                    }, stop.Token);
                    await queue.Writer.WriteAsync(task, stop.Token);
                }
                queue.Writer.Complete();
            }
            catch (Exception e) { queue.Writer.Complete(e); }
        }, CancellationToken.None);

        try
        {
            await foreach (var task in queue.Reader.ReadAllAsync(ct))
                yield return await task;
        }
        finally
        {
            // The consumer stopped (done, failed or abandoned): release the producer and let in-flight work end.
            stop.Cancel();
            await producer;
            while (queue.Reader.TryRead(out var t)) await Task.WhenAny(t);
        }
    }
}

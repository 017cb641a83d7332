using System.Text.Json.Nodes;
using System.Threading.Channels;
using T2I.Core.Data;

namespace T2I.Training.Loop;

/// <summary>
/// The loop's data source over DataPrep's bucketed shards: turns the async <see cref="BucketBatchReader"/>
/// into <see cref="IDataSource{TBatch}"/>, converting each batch (decode, resize, to tensor) on a background
/// task up to <c>prefetch</c> batches ahead of the training step. The checkpointed position is the reader
/// position after the last batch <em>handed to the trainer</em>, so prefetched batches are read again on resume.
/// </summary>
/// <remarks>
/// <c>convert</c> runs on another thread: it must not draw from torch's global generator (that would race
/// with the step and break exact resume) — derive any augmentation randomness from the row key or position.
/// Converted batches that implement <see cref="IDisposable"/> and are never handed out are disposed.
/// </remarks>
public sealed class BucketBatchSource<TBatch> : IDataSource<TBatch>, IDisposable
{
    private readonly BucketBatchReader _reader;
    private readonly Func<BucketBatch, TBatch> _convert;
    private readonly int _prefetch;
    private BucketReaderPosition _position = BucketReaderPosition.Start;
    private Producer? _producer;

    public BucketBatchSource(BucketBatchReader reader, Func<BucketBatch, TBatch> convert, int prefetch = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        if (reader.BatchesPerEpoch == 0) throw new InvalidOperationException("The bucketed shards hold no complete batch (too few " +
            "rows for the batch size?).");
        _reader = reader;
        _convert = convert;
        _prefetch = prefetch;
    }

    /// <summary>Where the next batch comes from.</summary>
    public BucketReaderPosition Position => _position;

    public TBatch Next()
    {
        _producer ??= new Producer(this, _position);
        var (batch, next) = _producer.Take();
        _position = next;
        return batch;
    }

    public JsonNode SavePosition() => JsonNode.Parse(_position.ToJson())!;

    public void RestorePosition(JsonNode position)
    {
        _producer?.Dispose();
        _producer = null;
        _position = BucketReaderPosition.FromJson(position.ToJsonString());
    }

    public void Dispose()
    {
        _producer?.Dispose();
        _producer = null;
    }

    private sealed class Producer : IDisposable
    {
        private readonly Channel<(TBatch Batch, BucketReaderPosition Next)> _channel;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _task;

        public Producer(BucketBatchSource<TBatch> owner, BucketReaderPosition from)
        {
            _channel = Channel.CreateBounded<(TBatch,
                BucketReaderPosition)>(new BoundedChannelOptions(owner._prefetch) { SingleReader = true, SingleWriter = true });
            _task = Task.Run(async () =>
            {
                try
                {
                    await foreach (var batch in owner._reader.ReadAsync(from, ct: _stop.Token))
                    {
                        var converted = owner._convert(batch);
                        try { await _channel.Writer.WriteAsync((converted, batch.Next), _stop.Token); }
                        catch (OperationCanceledException) { (converted as IDisposable)?.Dispose(); throw; }
                    }
                    _channel.Writer.TryComplete(new InvalidOperationException("The bucketed shards ran out of batches."));
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested) { _channel.Writer.TryComplete(); }
                catch (Exception e) { _channel.Writer.TryComplete(e); }
            });
        }

        public (TBatch, BucketReaderPosition) Take()
        {
            try { return _channel.Reader.ReadAsync().AsTask().GetAwaiter().GetResult(); }
            catch (ChannelClosedException e) when (e.InnerException is not null)
            {
                // Surface the reader's or converter's own error (bad shard, undecodable image), not the channel's.
                throw new InvalidOperationException($"Reading training data failed: {e.InnerException.Message}", e.InnerException);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            try { _task.Wait(TimeSpan.FromSeconds(30)); } catch (AggregateException) { }
            while (_channel.Reader.TryRead(out var left)) (left.Batch as IDisposable)?.Dispose();
            _stop.Dispose();
        }
    }
}

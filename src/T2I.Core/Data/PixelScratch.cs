using System.Runtime.InteropServices;
using SkiaSharp;

namespace T2I.Core.Data;

/// <summary>
/// Pixel memory reused from image to image (decoded image, the resampler's float rows, the fitted image). Why: a fresh
/// multi-megabyte buffer per image is a fresh mmap wherever glibc's mmap threshold is fixed (dataprep fixes it
/// to keep its heap flat), and faulting in and zeroing those pages cost more CPU than decoding the JPEG
/// (measured: decode 3.8 ms from reused memory, 6–10 ms from new buffers). Scratch is rented per image from a
/// pool that keeps at most one per core — not one per thread: work items run on whichever thread-pool thread
/// is free, and the pool grows threads under load. A pixmap handed out stays valid until its slot is asked
/// for again or the scratch is returned. Buffers are pinned managed arrays (the GC frees dropped ones).
/// </summary>
internal sealed class PixelScratch
{
    /// <summary>Slots larger than this are dropped on return (one huge PNG must not stay pinned).</summary>
    public const long MaxKeptBytes = 16L << 20;

    public const int Decoded = 0, Resize = 1, Fitted = 2;

    private static readonly Stack<PixelScratch> Pool = new();

    private readonly byte[]?[] _slots = new byte[3][];

    public static PixelScratch Rent()
    {
        lock (Pool) return Pool.TryPop(out var s) ? s : new PixelScratch();
    }

    /// <summary>Gives the scratch back (dropping oversized slots); the caller must not use its pixmaps any more.</summary>
    public void Return()
    {
        for (int i = 0; i < _slots.Length; i++)
            if (_slots[i] is { } b && b.LongLength > MaxKeptBytes) _slots[i] = null;
        lock (Pool)
            if (Pool.Count < Environment.ProcessorCount) Pool.Push(this);
    }

    /// <summary>A pixmap of <paramref name="info"/> over slot <paramref name="slot"/>'s memory (contents undefined).</summary>
    public SKPixmap Pixmap(int slot, SKImageInfo info) =>
        new(info, Marshal.UnsafeAddrOfPinnedArrayElement(Slot(slot, info.BytesSize64), 0), info.RowBytes);

    /// <summary><paramref name="count"/> floats over slot <paramref name="slot"/>'s memory (contents undefined).</summary>
    public Span<float> Floats(int slot, int count) => MemoryMarshal.Cast<byte, float>(Slot(slot, count * 4L).AsSpan(0, count * 4));

    private byte[] Slot(int slot, long bytes)
    {
        var buffer = _slots[slot];
        if (buffer is null || buffer.LongLength < bytes)
        {
            _slots[slot] = null; // let the old one go before the new one is allocated
            // Round up to 1 MiB so a run of slightly growing images does not reallocate each time.
            long size = (bytes + (1 << 20) - 1) & ~((1L << 20) - 1);
            buffer = _slots[slot] = GC.AllocateUninitializedArray<byte>(checked((int)size), pinned: true);
        }
        return buffer;
    }
}

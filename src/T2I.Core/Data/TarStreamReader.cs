using System.Text;

namespace T2I.Core.Data;

/// <summary>
/// One regular-file member of a tar stream. <see cref="Truncated"/>: the stream ended inside its data.
/// <see cref="Oversized"/>: larger than the reader's limit, skipped without reading (<see cref="Data"/> is empty).
/// </summary>
public sealed record TarMember(string Name, byte[] Data, bool Truncated, bool Oversized = false);

/// <summary>
/// A forward-only, tolerant reader of ustar/GNU/pax tar streams (works on network streams that cannot seek).
/// Unlike a strict reader it never throws on damage: a header with a bad checksum is skipped by scanning
/// forward to the next valid header, and a member cut off by the end of the stream is returned once with
/// <see cref="TarMember.Truncated"/> set. Damage is tallied in <see cref="Problems"/>.
/// </summary>
public sealed class TarStreamReader(Stream stream, long maxMemberBytes = 512L * 1024 * 1024)
{
    private const int Block = 512;
    private readonly byte[] _header = new byte[Block];
    private bool _ended;

    /// <summary>Counts of damage seen so far, by reason (<c>bad_tar_header</c>, <c>truncated_member</c>,
    /// <c>oversized_member</c>).</summary>
    public Dictionary<string, int> Problems { get; } = new();

    /// <summary>The next regular file, or null at the end of the archive (or of the stream).</summary>
    public TarMember? Next()
    {
        string? longName = null;
        bool resyncing = false;
        while (!_ended)
        {
            int got = ReadFull(_header, Block);
            if (got < Block) { _ended = true; if (got > 0) Count("truncated_member"); return null; }
            if (_header.All(b => b == 0)) { if (!resyncing) { _ended = true; return null; } continue; }
            if (!ChecksumOk(_header))
            {
                if (!resyncing) Count("bad_tar_header");
                resyncing = true; // scan block by block for the next real header
                continue;
            }
            resyncing = false;
            char type = (char)_header[156];
            long size = ParseNumber(_header.AsSpan(124, 12));
            if (size < 0) { Count("bad_tar_header"); resyncing = true; continue; }
            long padded = (size + Block - 1) / Block * Block;

            if (type is 'L' or 'x' or 'g' || size > maxMemberBytes || type is not ('0' or '\0' or '7'))
            {
                if (type is 'L' or 'x' && size <= 1 << 20)
                {
                    var meta = new byte[size];
                    if (ReadFull(meta, (int)size) < size) { _ended = true; Count("truncated_member"); return null; }
                    Skip(padded - size);
                    if (type == 'L') longName = Encoding.UTF8.GetString(meta).TrimEnd('\0');
                    else longName = PaxPath(meta) ?? longName;
                    continue;
                }
                bool regular = type is '0' or '\0' or '7';
                string skippedName = longName ?? HeaderName(_header); // before Skip, which may reuse the header buffer
                if (regular) Count("oversized_member");
                if (!Skip(padded)) { _ended = true; return null; }
                if (regular) return new TarMember(skippedName, [], false, Oversized: true);
                continue;
            }

            string name = longName ?? HeaderName(_header);
            var data = new byte[size];
            int read = ReadFull(data, (int)size);
            if (read < size)
            {
                _ended = true;
                Count("truncated_member");
                return new TarMember(name, data.AsSpan(0, read).ToArray(), true);
            }
            if (!Skip(padded - size)) _ended = true; // the padding is missing: the next read ends the archive
            return new TarMember(name, data, false);
        }
        return null;
    }

    private void Count(string reason) => Problems[reason] = Problems.GetValueOrDefault(reason) + 1;

    private int ReadFull(byte[] buffer, int count)
    {
        int total = 0;
        while (total < count)
        {
            int n;
            try { n = stream.Read(buffer, total, count - total); }
            catch (IOException) { n = 0; } // a dropped connection reads as the end of the archive
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private bool Skip(long count)
    {
        var scratch = count <= Block ? _header : new byte[Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            int n = ReadFull(scratch, (int)Math.Min(count, scratch.Length));
            if (n == 0) return false;
            count -= n;
        }
        return true;
    }

    private static bool ChecksumOk(byte[] h)
    {
        long stored = ParseNumber(h.AsSpan(148, 8));
        long sum = 0;
        for (int i = 0; i < Block; i++) sum += i is >= 148 and < 156 ? (byte)' ' : h[i];
        return stored == sum;
    }

    /// <summary>Octal (NUL/space padded) or GNU base-256 when the high bit of the first byte is set.</summary>
    private static long ParseNumber(ReadOnlySpan<byte> field)
    {
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            long v = field[0] & 0x7F;
            for (int i = 1; i < field.Length; i++) v = (v << 8) | field[i];
            return v;
        }
        long result = 0;
        bool any = false;
        foreach (byte b in field)
        {
            if (b is (byte)' ' or 0) { if (any) break; continue; }
            if (b is < (byte)'0' or > (byte)'7') return -1;
            result = result * 8 + (b - '0');
            any = true;
        }
        return any ? result : 0;
    }

    private static string HeaderName(byte[] h)
    {
        static string Field(byte[] h, int start, int length)
        {
            int end = Array.IndexOf(h, (byte)0, start, length);
            return Encoding.UTF8.GetString(h, start, (end < 0 ? start + length : end) - start);
        }
        string name = Field(h, 0, 100);
        bool ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r';
        string prefix = ustar ? Field(h, 345, 155) : "";
        return prefix.Length > 0 ? prefix + "/" + name : name;
    }

    /// <summary>Pax records are "LEN key=value\n"; only the path matters here.</summary>
    private static string? PaxPath(byte[] meta)
    {
        foreach (var line in Encoding.UTF8.GetString(meta).Split('\n'))
        {
            int space = line.IndexOf(' ');
            if (space > 0 && line.AsSpan(space + 1).StartsWith("path=")) return line[(space + 6)..];
        }
        return null;
    }
}

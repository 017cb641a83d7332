using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace T2I.Core.Storage;

/// <summary>
/// Blob store over a local directory: key <c>a/b.bin</c> is the file <c>ROOT/a/b.bin</c>. Writes go to a
/// temp file in the target's directory and are renamed over the target, so a reader sees the old bytes or
/// the new bytes, never a mix, and a crash leaves at most an ignored temp file.
/// </summary>
public sealed class LocalBlobStore : IBlobStore
{
    private const int BufferSize = 1 << 20;
    private readonly string _root;

    public LocalBlobStore(string rootDir)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDir);
        _root = Path.GetFullPath(rootDir);
    }

    public string Location => _root;

    /// <summary>The file path a key maps to (validated: it always lies under the root).</summary>
    public string PathOf(string key)
    {
        BlobKeys.Validate(key);
        return Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));
    }

    public Task<bool> ExistsAsync(string key, CancellationToken ct = default) =>
        Task.FromResult(File.Exists(PathOf(key)));

    public Task<Stream> OpenReadAsync(string key, CancellationToken ct = default)
    {
        var path = PathOf(key);
        try
        {
            // FileShare.Delete: a concurrent overwrite (rename) or delete must not fail because we read.
            Stream s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
                BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return Task.FromResult(s);
        }
        catch (DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"Blob '{key}' not found in {Location}.", path);
        }
        catch (FileNotFoundException)
        {
            throw new FileNotFoundException($"Blob '{key}' not found in {Location}.", path);
        }
    }

    public Task WriteAsync(string key, Stream content, CancellationToken ct = default) => WriteAsync(key, content, true, ct);

    /// <summary>The rename without overwrite is the claim: of two racing creators exactly one succeeds.</summary>
    public async Task<bool> TryCreateAsync(string key, Stream content, CancellationToken ct = default)
    {
        if (File.Exists(PathOf(key))) return false;
        try
        {
            await WriteAsync(key, content, false, ct).ConfigureAwait(false);
            return true;
        }
        catch (IOException) when (File.Exists(PathOf(key)))
        {
            return false;
        }
    }

    private async Task WriteAsync(string key, Stream content, bool overwrite, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(content);
        var path = PathOf(key);
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{BlobKeys.TempSuffix}");
        try
        {
            await using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                             BufferSize, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(fs, BufferSize, ct).ConfigureAwait(false);
                // Data on disk before the rename makes it visible: a crash cannot expose a truncated file.
                await fs.FlushAsync(ct).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
            }
            if (overwrite) File.Move(temp, path, overwrite: true);
            else Publish(temp, path);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Makes <paramref name="temp"/> visible as <paramref name="path"/> unless that exists. .NET's File.Move without
    /// overwrite checks, then renames (a race, measured: two of four racers "won"); POSIX link(2) fails with EEXIST.
    /// </summary>
    private static void Publish(string temp, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            File.Move(temp, path, overwrite: false); // MoveFileEx without REPLACE_EXISTING is atomic
            return;
        }
        if (Link(temp, path) != 0)
            throw new IOException($"Cannot create {path} (errno {Marshal.GetLastPInvokeError()}).");
        TryDelete(temp);
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string oldPath, string newPath);

    public Task DeleteAsync(string key, CancellationToken ct = default)
    {
        File.Delete(PathOf(key)); // no-op when absent, like S3
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix = "",
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        BlobKeys.ValidatePrefix(prefix);
        // Only walk the deepest directory the prefix names completely ("a/b/c" → walk "a/b").
        var slash = prefix.LastIndexOf('/');
        var start = slash < 0 ? _root : Path.Combine(_root, prefix[..slash].Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(start)) yield break;

        var found = new List<BlobInfo>();
        foreach (var file in new DirectoryInfo(start).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            ct.ThrowIfCancellationRequested();
            if (file.Name.EndsWith(BlobKeys.TempSuffix, StringComparison.Ordinal)) continue;
            var key = Path.GetRelativePath(_root, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            try
            {
                found.Add(new BlobInfo(key, file.Length, file.LastWriteTimeUtc));
            }
            catch (FileNotFoundException)
            {
                // Deleted between enumeration and stat: it is simply not part of this listing.
            }
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var info in found)
        {
            yield return info;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public override string ToString() => Location;
}

using T2I.Core.Storage;

namespace T2I.DataPrep;

/// <summary>Opens a store from a command-line location (a folder or s3://bucket/prefix).</summary>
internal static class StoreLocation
{
    // TODO(storage): switch to BlobStores.Open once it is on main.
    public static IBlobStore Open(string location) => location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase)
        ? throw new NotSupportedException("s3:// locations need T2I.Core.Storage.BlobStores (not on main yet).")
        : new LocalBlobStore(location);
}

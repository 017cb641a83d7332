using T2I.Core.Storage;

namespace T2I.DataPrep;

/// <summary>Opens a store from a command-line location (a folder or s3://bucket/prefix; S3 settings from T2I_S3_* variables).</summary>
internal static class StoreLocation
{
    public static IBlobStore Open(string location) => BlobStores.Open(location);
}

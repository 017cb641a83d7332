using T2I.Core.Storage;

namespace T2I.Core.Tests.Storage;

[CollectionDefinition(Name)]
public sealed class BlobStoreCollection : ICollectionFixture<BlobStoreFixture>
{
    public const string Name = "blob stores";
}

/// <summary>
/// Fresh, isolated stores of each kind for the contract tests: a new temp dir, or a new prefix in the
/// shared s3rver bucket.
/// </summary>
public sealed class BlobStoreFixture : IDisposable
{
    public static readonly string[] Kinds = ["local", "s3"];

    private readonly string _tempRoot = Path.Combine(Path.GetTempPath(), "t2i-blobs-" + Guid.NewGuid().ToString("N"));
    private readonly List<IDisposable> _owned = [];

    public S3ServerFixture S3 { get; } = new();

    public IBlobStore Create(string kind, int? partSize = null, int? pageSize = null)
    {
        var id = Guid.NewGuid().ToString("N");
        switch (kind)
        {
            case "local":
                return new LocalBlobStore(Path.Combine(_tempRoot, id));
            case "s3":
                var defaults = S3.OptionsFor($"runs/{id}");
                var store = new S3BlobStore(defaults with
                {
                    PartSize = partSize ?? defaults.PartSize,
                    ListPageSize = pageSize ?? defaults.ListPageSize,
                });
                lock (_owned) _owned.Add(store);
                return store;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown store kind");
        }
    }

    public void Dispose()
    {
        lock (_owned) _owned.ForEach(d => d.Dispose());
        S3.Dispose();
        if (Directory.Exists(_tempRoot)) Directory.Delete(_tempRoot, recursive: true);
    }
}

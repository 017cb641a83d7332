using T2I.Core.Storage;

namespace T2I.Core.Tests.Storage;

[CollectionDefinition(Name)]
public sealed class BlobStoreCollection : ICollectionFixture<BlobStoreFixture>
{
    public const string Name = "blob stores";
}

/// <summary>Creates fresh, isolated stores of each kind for the contract tests.</summary>
public sealed class BlobStoreFixture : IDisposable
{
    public static readonly string[] Kinds = ["local"];

    private readonly string _tempRoot = Path.Combine(Path.GetTempPath(), "t2i-blobs-" + Guid.NewGuid().ToString("N"));

    public IBlobStore Create(string kind, int? partSize = null, int? pageSize = null) => kind switch
    {
        "local" => new LocalBlobStore(Path.Combine(_tempRoot, Guid.NewGuid().ToString("N"))),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown store kind"),
    };

    public void Dispose()
    {
        if (Directory.Exists(_tempRoot)) Directory.Delete(_tempRoot, recursive: true);
    }
}

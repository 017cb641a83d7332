using T2I.Web.Settings;

namespace T2I.Web.Hosting;

/// <summary>
/// <c>T2I:Images</c>: where images and generation records live, a folder or <c>s3://bucket/prefix</c> (the
/// <c>T2I_S3_*</c> variables); empty: a per-user data folder.
/// </summary>
public sealed record ImageStoreOptions : ISettings
{
    public const string Section = "T2I";

    public string? Images { get; init; }

    public string Location => Images is { Length: > 0 } configured
        ? configured
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData,
            Environment.SpecialFolderOption.Create), "t2i", "web");

    public IEnumerable<string> Problems() => [];
}

using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using T2I.Core.Storage;

namespace T2I.Web.Hosting;

/// <summary>
/// ASP.NET data-protection keys (they sign the admin cookie and antiforgery tokens) shared by every web replica:
/// <c>T2I:DataProtection:Keys</c> names a folder or <c>s3://bucket/prefix</c> all replicas reach, and every
/// process uses the same application name, so a cookie issued by one replica is accepted by the others.
/// Unset: keys live in ASP.NET's per-user default folder, which is fine for one process only.
/// Keys are stored unencrypted (as ASP.NET does on Linux without a certificate): restrict access to that location.
/// </summary>
public static class SharedKeys
{
    public const string Key = SharedKeysOptions.Section + ":Keys";
    public const string ApplicationName = "T2I";

    public static IServiceCollection AddSharedDataProtection(this IServiceCollection services, IConfiguration config)
    {
        var builder = services.AddDataProtection().SetApplicationName(ApplicationName);
        // Read before the services exist: it decides which key repository is registered.
        if (Settings.SettingsBinding.Read<SharedKeysOptions>(config, SharedKeysOptions.Section).Keys is not { Length: > 0 } location)
            return services;
        // Through IBlobStore, so a folder and S3 behave alike (atomic writes, the same T2I_S3_* settings).
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(_ =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new BlobXmlRepository(BlobStores.Open(location))));
        return services;
    }
}

/// <summary>
/// Data-protection key ring in a blob store: one <c>NAME.xml</c> per key. The interface is synchronous; the key
/// manager calls it rarely (startup, then about once a day), so blocking on the store is acceptable.
/// </summary>
public sealed class BlobXmlRepository(IBlobStore store) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => Task.Run(async () =>
    {
        var elements = new List<XElement>();
        await foreach (var blob in store.ListAsync())
        {
            if (!blob.Key.EndsWith(".xml", StringComparison.Ordinal) || blob.Key.Contains('/')) continue;
            await using var s = await store.OpenReadAsync(blob.Key);
            elements.Add(XElement.Load(s));
        }
        return (IReadOnlyCollection<XElement>)elements;
    }).GetAwaiter().GetResult();

    public void StoreElement(XElement element, string friendlyName)
    {
        string name = string.Concat(friendlyName.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_'));
        var bytes = Encoding.UTF8.GetBytes(element.ToString(SaveOptions.DisableFormatting));
        Task.Run(async () =>
        {
            using var stream = new MemoryStream(bytes, writable: false);
            await store.WriteAsync($"{(name.Length > 0 ? name : Guid.NewGuid().ToString("N"))}.xml", stream);
        }).GetAwaiter().GetResult();
    }
}

using System.Net;
using Microsoft.AspNetCore.DataProtection;
using T2I.Core.Storage;
using T2I.Web.Hosting;
using T2I.Web.Tests.Admin;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.ScaleOut;

/// <summary>Several web replicas accept each other's admin cookies and antiforgery tokens only with a shared key ring.</summary>
public class SharedKeysTests(S3Server s3) : IClassFixture<S3Server>
{
    [Fact]
    public async Task AnAdminCookieFromOneReplicaIsAcceptedByAnotherSharingTheKeyFolder()
    {
        var keys = Directory.CreateTempSubdirectory("t2i-keys-");
        try
        {
            string[] settings = [.. AdminAccessTests.AdminSettings, $"{SharedKeys.Key}={keys.FullName}"];
            await using var a = await TestApp.StartAsync(new TestDoubleGenerator(), null, settings);
            await using var b = await TestApp.StartAsync(new TestDoubleGenerator(), null, settings);
            var jar = new CookieContainer();
            using var toA = Client(a, jar);
            using var toB = Client(b, jar);

            Assert.Equal(HttpStatusCode.Redirect, (await AdminAccessTests.LoginAsync(toA, AdminAccessTests.User, AdminAccessTests.Password)).StatusCode);

            Assert.Equal(HttpStatusCode.Redirect, (await Client(b, new CookieContainer()).GetAsync("/admin")).StatusCode); // B still refuses strangers
            var onB = await toB.GetAsync("/admin");
            Assert.Equal(HttpStatusCode.OK, onB.StatusCode);
            Assert.Contains("Queue monitoring", await onB.Content.ReadAsStringAsync());
            Assert.NotEmpty(keys.GetFiles("*.xml"));
        }
        finally { keys.Delete(true); }
    }

    [Fact]
    public async Task WithSeparateKeyRingsTheOtherReplicaRefusesTheCookie()
    {
        var keysA = Directory.CreateTempSubdirectory("t2i-keys-");
        var keysB = Directory.CreateTempSubdirectory("t2i-keys-");
        try
        {
            await using var a = await TestApp.StartAsync(new TestDoubleGenerator(), null, [.. AdminAccessTests.AdminSettings, $"{SharedKeys.Key}={keysA.FullName}"]);
            await using var b = await TestApp.StartAsync(new TestDoubleGenerator(), null, [.. AdminAccessTests.AdminSettings, $"{SharedKeys.Key}={keysB.FullName}"]);
            var jar = new CookieContainer();
            using var toA = Client(a, jar);
            using var toB = Client(b, jar);

            Assert.Equal(HttpStatusCode.Redirect, (await AdminAccessTests.LoginAsync(toA, AdminAccessTests.User, AdminAccessTests.Password)).StatusCode);

            Assert.Equal(HttpStatusCode.OK, (await toA.GetAsync("/admin")).StatusCode);
            var onB = await toB.GetAsync("/admin");
            Assert.Equal(HttpStatusCode.Redirect, onB.StatusCode);
            Assert.StartsWith("/admin/login", onB.Headers.Location!.PathAndQuery);
        }
        finally
        {
            keysA.Delete(true);
            keysB.Delete(true);
        }
    }

    [Fact]
    public void AKeyRingOnS3IsReadByASecondRepository()
    {
        IBlobStore Open() => BlobStores.Open($"s3://{S3Server.Bucket}/keys-{Guid.NewGuid():N}", s3.Options);
        var store = Open();
        var first = new BlobXmlRepository(store);
        first.StoreElement(new System.Xml.Linq.XElement("key", new System.Xml.Linq.XAttribute("id", "k1"), "secret-1"), "key-k1");
        first.StoreElement(new System.Xml.Linq.XElement("key", new System.Xml.Linq.XAttribute("id", "k2"), "secret-2"), "key-k2");

        var second = new BlobXmlRepository(BlobStores.Open(store.Location, s3.Options));
        var ids = second.GetAllElements().Select(e => e.Attribute("id")?.Value ?? "").Order().ToArray();

        Assert.Equal(["k1", "k2"], ids);
    }

    [Fact]
    public void ProtectedPayloadsCrossProvidersOnlyWithTheSameRing()
    {
        var ring = $"s3://{S3Server.Bucket}/ring-{Guid.NewGuid():N}";
        IDataProtector Protector(string location) => DataProtectionProvider.Create(new DirectoryInfo(Path.GetTempPath()), b =>
            b.SetApplicationName(SharedKeys.ApplicationName).AddKeyManagementOptions(o => o.XmlRepository = new BlobXmlRepository(BlobStores.Open(location, s3.Options))))
            .CreateProtector("t2i-test");

        string token = Protector(ring).Protect("hello");

        Assert.Equal("hello", Protector(ring).Unprotect(token));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => Protector(ring + "-other").Unprotect(token));
    }

    private static HttpClient Client(TestApp app, CookieContainer jar) =>
        new(new HttpClientHandler { CookieContainer = jar, AllowAutoRedirect = false }) { BaseAddress = app.Address };
}

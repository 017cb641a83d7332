using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using T2I.Core.Inference;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Api;

public class GenerationApiTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task APromptBecomesTheGeneratorsExactPngWithTheSeedItWasDrawnWith()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var http = app.NewClient();

        string id = await http.SubmitAsync(new { prompt = "a red circle", width = 336, height = 192, steps = 12, guidance = 4.5, seed = 1234 });
        var done = await http.WaitForAsync(id, Timeout, "succeeded", "failed");

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(1234, done.GetProperty("seed").GetInt64());
        Assert.Equal(TestDoubleGenerator.TestModelId, done.GetProperty("modelId").GetString());
        var png = await http.GetByteArrayAsync($"/api/generations/{id}/image");
        var request = new GenerationRequest("a red circle", "", 336, 192, 12, 4.5, 1234);
        Assert.Equal(PngText.Write(TestDoubleGenerator.Draw(request, 336, 192), new Dictionary<string, string> { ["parameters"] = TestDoubleGenerator.ParametersText(request) }), png);
        Assert.Contains("Seed: 1234", PngText.Read(png)["parameters"]);

        var download = await http.GetAsync($"/api/generations/{id}/images/0?download=true");
        Assert.Equal("image/png", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal($"t2i-{id}-0.png", download.Content.Headers.ContentDisposition!.FileNameStar ?? download.Content.Headers.ContentDisposition.FileName);
    }

    [Fact]
    public async Task SeveralImagesUseConsecutiveSeedsAndARandomSeedIsReportedBack()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var http = app.NewClient();

        string id = await http.SubmitAsync(new { prompt = "two dots", steps = 3, count = 3 });
        var done = await http.WaitForAsync(id, Timeout, "succeeded", "failed");

        long seed = done.GetProperty("seed").GetInt64();
        Assert.Equal(3, done.GetProperty("images").GetArrayLength());
        for (int i = 0; i < 3; i++)
            Assert.Equal(1, app.Generator!.Completed[$"two dots|{seed + i}"]);
    }

    [Fact]
    public async Task StatusShowsStepProgressWhileRunning()
    {
        var generator = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(30) };
        await using var app = await TestApp.StartAsync(generator);
        using var http = app.NewClient();

        string id = await http.SubmitAsync(new { prompt = "slow", steps = 40 });
        var running = await http.WaitForAsync(id, Timeout, "running");
        JsonElement progress;
        do { progress = (await http.StatusAsync(id)).GetProperty("progress"); } while (progress.ValueKind == JsonValueKind.Null);

        Assert.Equal(40, progress.GetProperty("totalSteps").GetInt32());
        int first = progress.GetProperty("step").GetInt32();
        await Task.Delay(200);
        var later = (await http.StatusAsync(id)).GetProperty("progress");
        Assert.True(later.GetProperty("step").GetInt32() > first, "step count should advance while the job runs");
    }

    [Theory]
    [InlineData("""{"prompt":""}""", "prompt is empty")]
    [InlineData("""{"prompt":"ok","steps":0}""", "Steps must be between")]
    [InlineData("""{"prompt":"ok","steps":151}""", "Steps must be between")]
    [InlineData("""{"prompt":"ok","guidance":0.5}""", "CFG scale must be between")]
    [InlineData("""{"prompt":"ok","count":9}""", "Number of images must be between")]
    [InlineData("""{"prompt":"ok","width":300,"height":200}""", "is not offered")]
    [InlineData("""{"prompt":"ok","size":"../../etc"}""", "is not like")]
    [InlineData("""{"prompt":"bell\u0007"}""", "control character")]
    [InlineData("""{"prompt":"ok","seed":-5}""", "Seed must be between")]
    [InlineData("""{"prompt": 12""", "not valid JSON")]
    [InlineData("""{"prompt":"ok","steps":"many"}""", "not valid JSON for a generation request (at $.steps, line 1)")]
    [InlineData("""{"prompt":"ok","size":"256x256","width":128}""", "either size or width and height")]
    [InlineData("""{"prompt":"ok","seed":4294967295,"count":4}""", "Seed must be between 0 and 4294967292 for 4 images")]
    public async Task BadInputIsA400WithAMessage(string json, string message)
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var http = app.NewClient();

        var response = await http.PostAsync("/api/generations", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        string error = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(message, error);
        Assert.DoesNotContain(" at T2I.", error); // a reason, not a stack trace
        Assert.DoesNotContain("T2I.Web", error); // nor our internal type names
        Assert.Empty(app.Generator!.Completed);
    }

    [Fact]
    public async Task ErrorsNeverEchoAHugeInput()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var http = app.NewClient();

        var response = await http.PostAsJsonAsync("/api/generations", new { prompt = "ok", size = new string('9', 50_000) });

        // The problem document's own fields (type, title, status, trace id) take about 150 characters of the answer.
        Assert.InRange((await response.ProblemAsync(HttpStatusCode.BadRequest)).Length, 1, 100);
        Assert.InRange((await response.Content.ReadAsStringAsync()).Length, 1, 400);
    }

    [Fact]
    public async Task EveryRefusalIsAProblemDocumentWithItsStatusAndMessage()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var http = app.NewClient();
        string guessed = GenerationStore.NewId();
        string done = await http.SubmitAsync(new { prompt = "finished", steps = 1 });
        await http.WaitForAsync(done, Timeout, "succeeded");
        var big = new StringContent($"{{\"prompt\":\"{new string('a', 70_000)}\"}}", System.Text.Encoding.UTF8, "application/json");

        string url = $"/api/generations/{guessed}";
        Assert.Equal("No such generation.", await (await http.GetAsync(url)).ProblemAsync(HttpStatusCode.NotFound));
        Assert.Equal("No such generation.", await (await http.GetAsync(url + "/images/0")).ProblemAsync(HttpStatusCode.NotFound));
        Assert.Equal("No such generation.", await (await http.DeleteAsync(url)).ProblemAsync(HttpStatusCode.NotFound));
        Assert.Equal("The generation has already finished.",
            await (await http.DeleteAsync($"/api/generations/{done}")).ProblemAsync(HttpStatusCode.Conflict));
        Assert.Equal("The body is larger than 64 KB.",
            await (await http.PostAsync("/api/generations", big)).ProblemAsync(HttpStatusCode.RequestEntityTooLarge));
        Assert.Equal("The body is empty.", await (await http.PostAsync("/api/generations",
            new StringContent("null", System.Text.Encoding.UTF8, "application/json"))).ProblemAsync(HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task AcceptedAnswersAndStatusesKeepTheirShape()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var http = app.NewClient();

        var submitted = await http.PostAsJsonAsync("/api/generations", new { prompt = "shape", steps = 2, seed = 5, count = 2 });
        var answer = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement;
        string id = answer.GetProperty("id").GetString()!;
        var done = await http.WaitForAsync(id, Timeout, "succeeded");

        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.Equal($"/api/generations/{id}", submitted.Headers.Location?.OriginalString);
        Assert.Equal(($"/api/generations/{id}", $"/api/generations/{id}/image"),
            (answer.GetProperty("status").GetString(), answer.GetProperty("image").GetString()));
        var parameters = done.GetProperty("parameters");
        JsonElement Field(string name) => parameters.GetProperty(name);
        Assert.Equal(("shape", "256x256", 2, 5L, 2), (Field("prompt").GetString(), Field("size").GetString(), Field("steps").GetInt32(),
            Field("seed").GetInt64(), Field("count").GetInt32()));
        Assert.Equal([$"/api/generations/{id}/images/0", $"/api/generations/{id}/images/1"],
            done.GetProperty("images").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(JsonValueKind.Null, done.GetProperty("progress").ValueKind);
        Assert.Equal(JsonValueKind.Null, done.GetProperty("error").ValueKind);
    }

    [Theory]
    [InlineData("?download=1", true)]
    [InlineData("?download=true", true)]
    [InlineData("?download=0", false)]
    [InlineData("", false)]
    public async Task DownloadLinksAcceptTheUsualSpellings(string query, bool attachment)
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var http = app.NewClient();
        string id = await http.SubmitAsync(new { prompt = "dl", steps = 1 });
        await http.WaitForAsync(id, Timeout, "succeeded");

        var response = await http.GetAsync($"/api/generations/{id}/image{query}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(attachment, response.Content.Headers.ContentDisposition?.DispositionType == "attachment");
    }

    [Fact]
    public async Task HealthProbesGetNoClientCookieWhilePagesDo()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var probe = app.NewScript();

        Assert.False((await probe.GetAsync("/healthz")).Headers.Contains("Set-Cookie"));
        Assert.True((await probe.GetAsync("/api/generations")).Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task APromptOverTheLengthCapIsRefused()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var http = app.NewClient();
        var response = await http.PostAsJsonAsync("/api/generations", new { prompt = new string('a', 1001) });
        Assert.Contains("limit is 1000", await response.ProblemAsync(HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task EachClientListsOnlyItsOwnGenerationsAndTheIdIsTheKeyToOne()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var alice = app.NewClient();
        using var bob = app.NewClient();

        string id = await alice.SubmitAsync(new { prompt = "alice's cat", steps = 2 });
        await alice.WaitForAsync(id, Timeout, "succeeded");

        Assert.Equal(0, JsonDocument.Parse(await bob.GetStringAsync("/api/generations")).RootElement.GetArrayLength());
        Assert.Equal(1, JsonDocument.Parse(await alice.GetStringAsync("/api/generations")).RootElement.GetArrayLength());
        // The id is a capability: only alice was told it, and whoever she hands it to can read that generation.
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"/api/generations/{id}/image")).StatusCode);
        string guessed = GenerationStore.NewId();
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/generations/{guessed}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/generations/{guessed}/image")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"/api/generations/{guessed}")).StatusCode);
    }

    [Fact]
    public async Task AScriptWithoutCookiesSubmitsFollowsAndDownloadsItsImage()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var script = app.NewScript();

        string id = await script.SubmitAsync(new { prompt = "a script's fox", steps = 3, seed = 11 });
        var done = await script.WaitForAsync(id, Timeout, "succeeded", "failed");
        var download = await script.GetAsync($"/api/generations/{id}/image");

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("image/png", download.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Seed: 11", PngText.Read(await download.Content.ReadAsByteArrayAsync())["parameters"]);
    }

    [Theory]
    [InlineData("/api/generations/..%2F..%2Fetc%2Fpasswd/image")]
    [InlineData("/api/generations/0123/image")]
    [InlineData("/api/generations/0123456789abcdef0123456789abcdef/images/-1")]
    public async Task ImageUrlsAcceptIdsOnly(string url)
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var http = app.NewClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task WithoutAModelTheApiSaysSoPlainly()
    {
        await using var app = await TestApp.StartAsync(null, null, "T2I:Model=models/no-such-model");
        using var http = app.NewClient();

        var response = await http.PostAsJsonAsync("/api/generations", new { prompt = "anything" });

        Assert.Contains("No model is loaded: the configured model 'no-such-model' (T2I:Model) does not exist",
            await response.ProblemAsync(HttpStatusCode.ServiceUnavailable));
        Assert.Contains("No model is loaded", await http.GetStringAsync("/"));
    }

    [Fact]
    public async Task TheLabelledUntrainedPipelineDrawsThroughTheQueue()
    {
        await using var app = await TestApp.StartAsync(null, null, "T2I:Model=untrained");
        using var http = app.NewClient();

        string id = await http.SubmitAsync(new { prompt = "a red circle", steps = 2, seed = 7 });
        var done = await http.WaitForAsync(id, TimeSpan.FromSeconds(120), "succeeded", "failed");

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Contains("untrained", done.GetProperty("modelId").GetString());
        var png = await http.GetByteArrayAsync($"/api/generations/{id}/image");
        string parameters = PngText.Read(png)["parameters"];
        Assert.Contains("a red circle", parameters);
        Assert.Contains("7", parameters);
    }

    [Fact]
    public async Task ByDefaultTheShippedDemoModelDrawsThroughTheQueue()
    {
        await using var app = await TestApp.StartAsync(null, null, "T2I:Model=");
        using var http = app.NewClient();

        string id = await http.SubmitAsync(new { prompt = "red apple", steps = 4, seed = 3 });
        var done = await http.WaitForAsync(id, TimeSpan.FromSeconds(120), "succeeded", "failed");

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.StartsWith("t2i-emoji", done.GetProperty("modelId").GetString()); // models/t2i-emoji: MiniLM + the ResNet tokenizer
        var png = await http.GetByteArrayAsync($"/api/generations/{id}/image");
        Assert.Contains("Model: t2i-emoji", PngText.Read(png)["parameters"]);
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        Assert.Equal((64, 64), (bitmap.Width, bitmap.Height)); // the emoji model's own size when none is asked for
    }
}

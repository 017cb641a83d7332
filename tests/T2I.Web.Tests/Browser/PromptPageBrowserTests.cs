using Microsoft.Playwright;
using T2I.Web.Tests.Admin;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Browser;

/// <summary>End to end in a real Chromium against the real app on a loopback port.</summary>
public class PromptPageBrowserTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    private const float Timeout = 30_000;

    [Fact]
    public async Task APromptShowsProgressAndThenItsImage()
    {
        // ~6 s of visible progress: Playwright's polling backs off to 500 ms, and a 1.6 s run could slip between polls.
        var generator = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(150) };
        await using var app = await TestApp.StartAsync(generator);
        await using var context = await chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(new Uri(app.Address, "/").ToString());
        await page.Locator("h1[data-interactive=yes]").WaitForAsync(new() { Timeout = Timeout });
        await page.FillAsync("#prompt", "a yellow sun over the sea");
        await page.FillAsync("#steps", "40");
        await page.ClickAsync("#generate");

        var card = page.Locator("article.generation").First;
        await Assertions.Expect(card.Locator(".status")).ToContainTextAsync("Step", new() { Timeout = Timeout });
        await card.Locator("img.preview").WaitForAsync(new() { Timeout = Timeout });
        var image = card.Locator("img.result");
        await image.WaitForAsync(new() { Timeout = Timeout });
        await Assertions.Expect(card.Locator(".status")).ToContainTextAsync("Done", new() { Timeout = Timeout });

        // The browser really decoded the PNG served by id.
        await page.WaitForFunctionAsync("() => document.querySelector('img.result').naturalWidth === 256", null, new() { Timeout = Timeout });
        string? src = await image.GetAttributeAsync("src");
        Assert.Matches("^/api/generations/[0-9a-f]{32}/images/0$", src);
        Assert.Single(generator.Completed);
    }

    [Fact]
    public async Task TypingAndClickingRightAfterLoadGenerates()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        await using var context = await chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(new Uri(app.Address, "/").ToString(), new() { WaitUntil = WaitUntilState.Commit });
        // No wait for the circuit: a user types and clicks as soon as the page looks ready.
        await page.FillAsync("#prompt", "an early click", new() { Timeout = Timeout });
        await page.ClickAsync("#generate", new() { Timeout = Timeout });

        var card = page.Locator("article.generation").First;
        await Assertions.Expect(card.Locator(".status")).ToContainTextAsync("Done", new() { Timeout = Timeout });
        await Assertions.Expect(card.Locator(".prompt")).ToHaveTextAsync("an early click");
    }

    [Fact]
    public async Task BadInputIsExplainedOnThePage()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        await using var context = await chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(new Uri(app.Address, "/").ToString());
        await page.Locator("h1[data-interactive=yes]").WaitForAsync(new() { Timeout = Timeout });
        // Ranges are also enforced by the browser (min/max); a control character only the server catches.
        await page.FillAsync("#prompt", "bell\u0007 ring");
        await page.ClickAsync("#generate");

        await Assertions.Expect(page.Locator(".prompt-form .error")).ToContainTextAsync("contains a control character (U+0007)");
        Assert.Equal(0, await page.Locator("article.generation").CountAsync());
    }

    [Fact]
    public async Task APastedPageOfTextKeepsThePageLiveAndSaysThePromptsLimit()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        await using var context = await chromium.Browser.NewContextAsync();
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(app.Address, "/").ToString());
        await page.Locator("h1[data-interactive=yes]").WaitForAsync(new() { Timeout = Timeout });

        // ~30 KB, as a page copied from a browser: a real paste (clipboard, Ctrl+V), not a programmatic fill.
        string text = string.Concat(Enumerable.Range(0, 730).Select(i => $"line {i:D4} of a long pasted page of text. "));
        Assert.InRange(text.Length, 29_000, 31_000);
        await page.EvaluateAsync("t => navigator.clipboard.writeText(t)", text);
        await page.ClickAsync("#prompt");
        await page.Keyboard.PressAsync("Control+V");

        int max = T2I.Core.Inference.GenerationLimits.MaxPromptLength;
        var limit = page.Locator("#prompt-limit");
        await Assertions.Expect(limit).ToContainTextAsync($"{max:N0} characters", new() { Timeout = Timeout });
        Assert.Equal(text[..max], await page.InputValueAsync("#prompt"));
        // The circuit lived through it: the kept prompt generates.
        await page.ClickAsync("#generate");
        var card = page.Locator("article.generation").First;
        await Assertions.Expect(card.Locator(".status")).ToContainTextAsync("Done", new() { Timeout = Timeout });
        await Assertions.Expect(card.Locator(".prompt")).ToHaveTextAsync(text[..max]);
    }

    [Fact]
    public async Task AdminPagesRefuseAnonymousUsersAndWorkAfterLogin()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null, AdminAccessTests.AdminSettings);
        await using var context = await chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(new Uri(app.Address, "/hangfire").ToString());
        Assert.StartsWith("/admin/login", new Uri(page.Url).AbsolutePath);
        await page.GotoAsync(new Uri(app.Address, "/admin").ToString());
        Assert.StartsWith("/admin/login", new Uri(page.Url).AbsolutePath);
        Assert.Equal(0, await page.GetByText("Queue monitoring").CountAsync());

        await page.FillAsync("#user", AdminAccessTests.User);
        await page.FillAsync("#password", AdminAccessTests.Password);
        await page.ClickAsync("#login");

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Queue monitoring" })).ToBeVisibleAsync(new() { Timeout = Timeout });
        Assert.Equal("/admin", new Uri(page.Url).AbsolutePath);
        await Assertions.Expect(page.Locator(".admin-servers")).ToContainTextAsync("generation");

        await page.GotoAsync(new Uri(app.Address, "/hangfire").ToString());
        Assert.Equal("/hangfire", new Uri(page.Url).AbsolutePath);
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("T2I jobs");
    }
}

using Bunit;
using T2I.Core.Inference;
using T2I.Web.Components.Generation;
using T2I.Web.Generation;

namespace T2I.Web.Tests.Components;

public class GenerationCardTests : BunitContext
{
    private static GenerationRecord Record(GenerationStatus status, int imagesDone = 0, int count = 1) => new(
        "0123456789abcdef0123456789abcdef", "client", new GenerationRequest("a fox", "blurry", 336, 192, 30, 4.5, 77, count),
        status, DateTimeOffset.UtcNow, ImagesDone: imagesDone, ModelId: "m1");

    [Fact]
    public void AQueuedJobShowsItsPositionAndCanBeCancelled()
    {
        string? cancelled = null;
        var card = Render<GenerationCard>(p => p
            .Add(c => c.View, new GenerationView(Record(GenerationStatus.Queued), 3, null))
            .Add(c => c.OnCancel, id => cancelled = id));

        Assert.Equal("Queued — position 3", card.Find(".status").TextContent);
        card.Find("button.cancel").Click();
        Assert.Equal("0123456789abcdef0123456789abcdef", cancelled);
    }

    [Fact]
    public void ARunningJobShowsStepProgressAndThePreview()
    {
        var card = Render<GenerationCard>(p => p.Add(c => c.View,
            new GenerationView(Record(GenerationStatus.Running, count: 2), null, new LiveProgress(1, 2, 7, 30, [1, 2, 3]))));

        Assert.Equal("Image 2/2, step 7 / 30", card.Find(".status").TextContent);
        Assert.Equal("7", card.Find("progress").GetAttribute("value"));
        Assert.Equal("data:image/png;base64,AQID", card.Find("img.preview").GetAttribute("src"));
        Assert.NotEmpty(card.FindAll("button.cancel"));
    }

    [Fact]
    public void ARunningJobWhoseWorkerDiedSaysSoAndCanStillBeCancelled()
    {
        var card = Render<GenerationCard>(p => p.Add(c => c.View,
            new GenerationView(Record(GenerationStatus.Running), null, null, Interrupted: true)));

        Assert.Equal("Interrupted — waiting to resume", card.Find(".status").TextContent);
        Assert.Empty(card.FindAll("progress"));
        Assert.NotEmpty(card.FindAll("button.cancel"));
    }

    [Fact]
    public void AFinishedJobShowsItsImagesByIdWithDownloadsSeedsAndReuse()
    {
        GenerationRecord? reused = null;
        var record = Record(GenerationStatus.Succeeded, imagesDone: 2, count: 2);
        var card = Render<GenerationCard>(p => p
            .Add(c => c.View, new GenerationView(record, null, null))
            .Add(c => c.OnReuse, r => reused = r));

        var images = card.FindAll("img.result");
        Assert.Equal(["/api/generations/0123456789abcdef0123456789abcdef/images/0", "/api/generations/0123456789abcdef0123456789abcdef/images/1"],
            images.Select(i => i.GetAttribute("src")));
        Assert.All(card.FindAll("a.download"), a => Assert.EndsWith("?download=true", a.GetAttribute("href")));
        Assert.Contains("seed 78", card.Markup);
        Assert.Contains("negative: blurry", card.Markup);
        Assert.Empty(card.FindAll("button.cancel"));

        card.Find("button.reuse").Click();
        Assert.Same(record, reused);
        var input = PromptInput.From(reused!);
        Assert.Equal(("a fox", "336x192", 30, 4.5, 77L), (input.Prompt, input.Size, input.Steps, input.Guidance, input.Seed!.Value));
    }

    [Fact]
    public void AFailedJobShowsItsReason()
    {
        var card = Render<GenerationCard>(p => p.Add(c => c.View,
            new GenerationView(Record(GenerationStatus.Failed) with { Error = "Generation failed: out of memory" }, null, null)));
        Assert.Equal("Generation failed: out of memory", card.Find(".status").TextContent);
    }
}

using Bunit;
using Microsoft.AspNetCore.Components;
using T2I.Core.Data;
using T2I.Web.Components.Generation;

namespace T2I.Web.Tests.Components;

public class PromptFormTests : BunitContext
{
    public PromptFormTests() => Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));

    [Fact]
    public void PrerenderedBeforeTheCircuitIsLiveTheButtonIsVisiblyDisabled()
    {
        Renderer.SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var form = Render<PromptForm>(p => p.Add(c => c.BaseResolution, 256).Add(c => c.Input, new PromptInput()));

        var button = form.Find("#generate");
        Assert.True(button.HasAttribute("disabled"));
        Assert.Equal("Connecting…", button.TextContent);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(512)]
    public void TheAspectChoicesAreExactlyTheModelsBucketTable(int resolution)
    {
        var form = Render<PromptForm>(p => p.Add(c => c.BaseResolution, resolution).Add(c => c.Input, new PromptInput()));

        var options = form.FindAll("#size option").Select(o => o.GetAttribute("value")).ToList();
        Assert.Equal(AspectBuckets.For(resolution).Select(b => b.Name), options);
        Assert.Equal($"{resolution}x{resolution}", form.Find("#size").GetAttribute("value"));
    }

    [Fact]
    public void BothPromptsAreCappedInTheBrowserBelowTheCircuitsMessageLimit()
    {
        var form = Render<PromptForm>(p => p.Add(c => c.BaseResolution, 256).Add(c => c.Input, new PromptInput()));
        Assert.Equal("1000", form.Find("#prompt").GetAttribute("maxlength"));
        Assert.Equal("1000", form.Find("#negative").GetAttribute("maxlength"));
    }

    [Fact]
    public void DefaultsAreFiftyStepsCfgFiveOneImageAndARandomSeed()
    {
        var form = Render<PromptForm>(p => p.Add(c => c.BaseResolution, 256).Add(c => c.Input, new PromptInput()));
        Assert.Equal("50", form.Find("#steps").GetAttribute("value"));
        Assert.Equal("5", form.Find("#cfg").GetAttribute("value"));
        Assert.Equal("1", form.Find("#count").GetAttribute("value"));
        Assert.True(string.IsNullOrEmpty(form.Find("#seed").GetAttribute("value")));
    }

    [Fact]
    public void SubmittingHandsOverWhatWasTypedAndAnErrorIsShown()
    {
        PromptInput? submitted = null;
        var form = Render<PromptForm>(p => p
            .Add(c => c.BaseResolution, 256)
            .Add(c => c.Input, new PromptInput())
            .Add(c => c.Error, "Steps must be between 1 and 150 (got 900).")
            .Add(c => c.OnSubmit, i => submitted = i));

        form.Find("#prompt").Change("a lighthouse at dusk");
        form.Find("#size").Change("352x192");
        form.Find("#steps").Change("20");
        form.Find("#seed").Change("42");
        form.Find("form").Submit();

        Assert.NotNull(submitted);
        var request = submitted!.Request;
        Assert.Equal(("a lighthouse at dusk", 352, 192, 20, 42L),
            (request.Prompt, request.Width, request.Height, request.Steps, request.Seed!.Value));
        Assert.Equal("Steps must be between 1 and 150 (got 900).", form.Find(".error").TextContent);
    }

    [Fact]
    public void TheInputBoundsAreTheRequestLimitsTheServerEnforces()
    {
        var form = Render<PromptForm>(p => p.Add(c => c.BaseResolution, 256).Add(c => c.Input, new PromptInput()));
        string[] Bounds(string id) => [form.Find(id).GetAttribute("min")!, form.Find(id).GetAttribute("max")!];
        Assert.Equal(["1", "150"], Bounds("#steps"));
        Assert.Equal(["1", "20"], Bounds("#cfg"));
        Assert.Equal(["1", "4"], Bounds("#count"));
    }

    [Fact]
    public void TheButtonIsDisabledWithoutAModel()
    {
        var form = Render<PromptForm>(p => p.Add(c => c.BaseResolution, 256).Add(c => c.Input, new PromptInput()).Add(c => c.Disabled, true));
        Assert.True(form.Find("#generate").HasAttribute("disabled"));
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using T2I.Core.Checkpoints;
using T2I.Core.Inference;
using T2I.Training.Demo;
using static TorchSharp.torch;

namespace T2I.EndToEnd.Tests;

/// <summary>
/// The demo chain of `training demo` with a handful of steps per stage on 200 synthetic samples: every artefact
/// feeds the next (shards → tokenizer runs → DiT on the tokenizer's latents → exported model), and the exported
/// model serves an image through the real web app's queue.
/// </summary>
public sealed class DemoChainTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("t2i-e2e-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private DemoChainOptions Options => new()
    {
        WorkDir = Path.Combine(root, "work"), ModelDir = Path.Combine(root, "models", "t2i-e2e"), Device = "cpu",
        Count = 200, Shards = 2, DefectShare = 0.05, PretrainSteps = 2, S1Steps = 2, S2Steps = 2, S3Steps = 2, DitSteps = 3,
        TokenizerSets = ["eval_batches=2", "threads=2"],
        DitSets = ["batch_size=8", "eval_prompts=2", "eval_steps=2", "threads=2"],
    };

    [Fact]
    public async Task ChainConnectsEveryStageAndTheWebQueueServesTheExportedModel()
    {
        var options = Options;
        var log = new List<string>();
        var rows = await new DemoChain(options, l => { lock (log) log.Add(l); }).RunAsync();

        // Data: synthetic shards ingested into 256-px buckets, defects dropped, labels kept.
        Assert.Equal(["synth", "ingest", "tok-pretrain", "tok-s1", "tok-s2", "tok-s3", "dit", "export"], rows.Select(r => r.Stage));
        Assert.Matches(@"^\d+ of 200 kept$", rows[1].Result);
        Assert.True(Directory.Exists(Path.Combine(options.BucketsDir, "res256")));

        // Tokenizer: each stage finished its steps and started from the previous one; s3 reports reconstruction quality.
        foreach (var stage in new DemoChainOptions().TokenizerStages)
            Assert.Equal(2, CheckpointFolder.Open(options.RunDir("tok-" + stage)).Step);
        Assert.Contains(log, l => l.Contains("init from") && l.Contains("tok-s2"));
        Assert.Contains("psnr", rows[5].Result);
        var codec = LatentCodecs.Open(options.RunDir("tok-s3"));
        using (var latents = codec.Encode(zeros(1, 3, 128, 128)))
            Assert.Equal(new long[] { 1, T2I.Core.VisualTokenizer.AlignedTokenizerConfig.Tiny.LatentChannels, 8, 8 }, latents.shape);

        // DiT: trained on that tokenizer's latents (the checkpoint bundles the codec), evaluated for generation accuracy.
        var dit = CheckpointFolder.Open(options.RunDir("dit"));
        Assert.Equal(3, dit.Step);
        Assert.True(dit.Has(LatentCodecs.WeightsFileName));
        Assert.Contains("generation accuracy", rows[6].Result);

        // Export: small, self-contained, loadable, 128-px.
        Assert.True(DemoExport.Size(options.ModelDir) <= options.MaxModelBytes);
        Assert.False(File.Exists(Path.Combine(options.ModelDir, CheckpointFolder.OptimizerFile)));
        var pipeline = T2IPipeline.FromCheckpoint(options.ModelDir);
        Assert.Equal(128, pipeline.BaseResolution);

        // The web app with T2I:Model = the export: a prompt goes through the queue and a 128×128 PNG comes back.
        var images = Path.Combine(root, "web");
        var app = T2I.Web.Program.BuildApp(["--urls", "http://127.0.0.1:0", "--environment", "Development", $"--T2I:Images={images}",
            $"--T2I:Model={options.ModelDir}", "--T2I:Device=cpu", "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(address) };
            var submitted = await http.PostAsJsonAsync("/api/generations", new { prompt = "a red circle on a white background", width = 128, height = 128, steps = 4, seed = 1 });
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
            string id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
            var deadline = DateTime.UtcNow.AddMinutes(3);
            JsonElement status;
            do
            {
                await Task.Delay(100);
                status = JsonDocument.Parse(await http.GetStringAsync($"/api/generations/{id}")).RootElement;
            } while (status.GetProperty("status").GetString() is not ("succeeded" or "failed") && DateTime.UtcNow < deadline);
            Assert.Equal("succeeded", status.GetProperty("status").GetString());
            Assert.Contains("t2i-tiny", status.GetProperty("modelId").GetString());
            var png = await http.GetByteArrayAsync($"/api/generations/{id}/image");
            using var bitmap = SKBitmap.Decode(png);
            Assert.Equal((128, 128), (bitmap.Width, bitmap.Height));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        // Rerunning resumes: finished stages return at once and keep their checkpoints.
        var again = await new DemoChain(options, _ => { }).RunAsync();
        Assert.Equal(3, CheckpointFolder.Open(options.RunDir("dit")).Step);
        Assert.Equal(rows.Count, again.Count);
    }
}

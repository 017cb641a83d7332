using System.Diagnostics;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.Data;
using T2I.Core.Diffusion;
using T2I.Core.Dit;
using T2I.Core.Text;
using T2I.Core.TorchSharpFixes;
using T2I.Core.Latents;

namespace T2I.Core.Inference;

/// <summary>
/// Prompt → PNG: text encoder → sampler (DDIM 50 by default) over the DiT with classifier-free guidance
/// (conditional and unconditional halves in one batched forward) → latent decoder → PNG with a
/// <c>parameters</c> chunk. Initial noise comes from a CPU generator seeded by the request, then moves to
/// the device, so a seed means the same image everywhere; same request → same bytes.
/// </summary>
public sealed class T2IPipeline : ITextToImageGenerator
{
    private readonly ITextEncoder _text;
    private readonly FluxDit _dit;
    private readonly ILatentDecoder _decoder;
    private readonly Device _device;
    private readonly object _gate = new();

    public T2IPipeline(ITextEncoder text, FluxDit dit, ILatentDecoder decoder, string modelId, int baseResolution, Device? device = null)
    {
        if (dit.Config.InChannels != decoder.LatentChannels)
            throw new ArgumentException($"DiT works on {dit.Config.InChannels} latent channels, the decoder on {decoder.LatentChannels}.");
        if (dit.Config.ContextInDim != text.SequenceDim || dit.Config.VecInDim != text.PooledDim)
            throw new ArgumentException("The text encoder's widths do not match the DiT's context_in_dim / vec_in_dim.");
        (_text, _dit, _decoder, ModelId, BaseResolution) = (text, dit, decoder, modelId, baseResolution);
        _device = device ?? CPU;
        Precision = _device.type == DeviceType.CUDA ? ScalarType.BFloat16 : null;
        _dit.eval();
        // Exact GELU (text encoders) and convolutions (codecs) give other bits with oneDNN on than off, and the switch is
        // process-wide and one-way: pin it off here so a seed's bytes do not depend on what the process ran before.
        TorchSharpFixes.OneDnnWorkaround.Apply();
    }

    /// <summary>The same components with other settings (e.g. <c>new T2IPipeline(p) { PreviewEvery = 5 }</c>).</summary>
    public T2IPipeline(T2IPipeline other) : this(other._text, other._dit, other._decoder, other.ModelId, other.BaseResolution,
        other._device)
    {
        (PreviewEvery, TimeShift, Precision) = (other.PreviewEvery, other.TimeShift, other.Precision);
    }

    public string ModelId { get; }
    public int BaseResolution { get; }

    /// <summary>Steps between preview images (0 = none).</summary>
    public int PreviewEvery { get; init; } = 10;

    /// <summary>
    /// The dtype the DiT's matmuls compute in (<see cref="Autocast"/>; fp32 weights, fp32 sampler state): bf16 on CUDA,
    /// where tensor cores make it several times faster, fp32 (null) on the CPU, where bf16 matmuls are slower.
    /// </summary>
    public ScalarType? Precision { get; init; }

    /// <summary>The fixed time-shift factor the model trained with (null: shift by token count), see <see
    /// cref="Diffusion.TimeShift"/>.</summary>
    public double? TimeShift { get; init; }

    /// <summary>
    /// A pipeline with random weights (tiny DiT, built-in text encoder, random projection decoder) for testing
    /// hosts and queues before a trained model exists. Its <see cref="ModelId"/> says "untrained".
    /// </summary>
    public static T2IPipeline CreateUntrained(int baseResolution = 256, long seed = 0, Device? device = null)
    {
        var vocabulary = BuiltinVocabulary.Build(new[] { "a red green blue yellow circle square triangle on white black background" });
        var model = new T2IModel(DitConfig.Tiny, BuiltinTextConfig.Tiny, vocabulary);
        using (no_grad())
        {
            // adaLN-Zero would make an untrained DiT predict v = 0; small random values let prompts and seeds show.
            var g = new Generator((ulong)seed);
            foreach (var p in model.parameters()) p.copy_(randn(p.shape, generator: g).Times(0.05));
        }
        model.to(device ?? CPU);
        var decoder = new UntrainedLatentDecoder(seed: seed);
        decoder.to(device ?? CPU);
        return new T2IPipeline(model.text_encoder, model.dit, decoder,
            UntrainedModelId(seed), baseResolution, device);
    }

    /// <summary>
    /// A trained checkpoint folder (or run folder: its latest checkpoint) with EMA weights, decoding with the codec
    /// the checkpoint names (<c>model_config.codec</c>: bundled <c>codec.safetensors</c>, see <see cref="LatentCodecs"/>)
    /// after un-normalising the sampled latents with its stored statistics. <paramref name="decoder"/> replaces the
    /// named codec (un-normalisation still applies). Checkpoints without a codec entry decode raw DCT latents.
    /// </summary>
    public static T2IPipeline FromCheckpoint(string path, ILatentDecoder? decoder = null, Device? device = null)
    {
        var folder = T2I.Core.Checkpoints.CheckpointFolder.Open(path);
        var saved = folder.ReadConfig();
        var config = T2IModelConfig.FromJson(saved.ModelConfig!, folder.Path);
        var (text, dit) = CheckpointModels.Load(folder, config, device ?? CPU);
        if (config.Codec is { } codec)
        {
            decoder ??= LatentCodecs.Open(folder.Path, device);
            if (decoder.LatentChannels != codec.LatentChannels)
                throw new ArgumentException($"{path}: trained on {codec.LatentChannels}-channel latents ({codec.Identity}), the " +
                    $"decoder makes {decoder.LatentChannels}.");
            decoder = new DenormalizingDecoder(decoder, codec.Normalization);
        }
        decoder ??= new DctPatchCodec();
        int resolution = config.BaseResolution ?? PresetResolution(folder);
        return new T2IPipeline(text, dit, decoder, ModelIdOf(folder, saved), resolution,
            device)
        { TimeShift = config.TimeShift };
    }

    /// <summary>
    /// The base resolution the run trained at: model_config.base_resolution, else (older checkpoints) preset.json's
    /// config.resolution beside the checkpoint or in its run folder, else 256 — readable without loading the model
    /// (the web role that loads no weights uses it).
    /// </summary>
    public static int ResolutionOf(T2I.Core.Checkpoints.CheckpointFolder folder) =>
        folder.ReadConfig().ModelConfig?["base_resolution"]?.GetValue<int>() ?? PresetResolution(folder);

    private static int PresetResolution(T2I.Core.Checkpoints.CheckpointFolder folder) =>
        folder.RunPresetFile() is { } file
            && System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))?["config"]?["resolution"]?.GetValue<int>() is int r
            ? r : 256;

    /// <summary>The one model id of a checkpoint: its preset and step (e.g. <c>t2i-tiny-aligned-step10000</c>).</summary>
    public static string ModelIdOf(T2I.Core.Checkpoints.CheckpointFolder folder, T2I.Core.Checkpoints.CheckpointConfig config) =>
        $"{config.Preset ?? "t2i"}-step{folder.Step}";

    /// <summary>The model id of <see cref="CreateUntrained"/>: says plainly that it is not a trained model.</summary>
    public static string UntrainedModelId(long seed) => $"untrained-tiny-seed{seed} (random weights, not a trained model)";

    public GeneratedImage Generate(GenerationRequest request, IProgress<GenerationProgress>? progress = null,
        CancellationToken ct = default) => GenerateBatch([request], progress, ct)[0];

    /// <summary>
    /// One sampling run over a batch of single-image requests: the text encoder sees all prompts at once, each image
    /// starts from its own seed's noise, and every DiT forward carries the whole batch (both CFG halves of it).
    /// An image differs from the one its request draws alone only by float summation order (see the tests' tolerance).
    /// </summary>
    public IReadOnlyList<GeneratedImage> GenerateBatch(IReadOnlyList<GenerationRequest> requests,
        IProgress<GenerationProgress>? progress = null, CancellationToken ct = default)
    {
        foreach (var r in requests) GenerationValidator.ThrowIfInvalid(r, BaseResolution);
        var drawn = requests.Select(r => r.WithDrawnSeed()).ToArray();
        if (GenerationBatch.Refusal(drawn) is { } refusal) throw new ArgumentException(refusal, nameof(requests));
        var first = drawn[0];
        var clock = Stopwatch.StartNew();
        var sampler = FlowSampler.Create(first.Sampler, first.Eta);
        byte[][] pngs;
        lock (_gate) // one generation at a time: the CPU is the bottleneck, and torch scopes are per thread
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            using var precision = Autocast.Enable(Precision);
            long h = first.Height / _decoder.Downsample, w = first.Width / _decoder.Downsample;
            using var positive = _text.Encode(drawn.Select(r => r.Prompt).ToArray());
            using var negative = _text.Encode(drawn.Select(r => r.NegativePrompt).ToArray());
            var cond = positive.Concat(negative).To(_device);
            VelocityModel batched = (x, t) => _dit.ForwardLatents(x, t, cond.Sequence, cond.Pooled, cond.Mask).to_type(x.dtype);
            var model = ClassifierFreeGuidance.Wrap(batched, first.Guidance);

            var shape = new long[] { 1, _dit.Config.InChannels, h, w };
            var seeded = drawn.Select(r => new Generator((ulong)r.Seed!.Value)).ToArray();
            var noise = cat(seeded.Select(g => randn(shape, generator: g)).ToArray()).to(_device);
            // A stochastic sampler goes on drawing from the first image's generator; it is never batched (GenerationBatch).
            var cpu = seeded[0];
            var grid = TimeGrid.Create(first.Steps, h * w, factor: TimeShift);
            var latents = sampler.Sample(model, noise, grid, cpu, step =>
            {
                byte[]? preview = PreviewEvery > 0 && step.Step % PreviewEvery == 0 && step.Step < step.TotalSteps
                    ? EncodePng(_decoder.Decode(step.PredictedX0.narrow(0, 0, 1)), 0) : null;
                progress?.Report(new GenerationProgress(step.Step, step.TotalSteps, preview));
            }, ct);
            var images = _decoder.Decode(latents);
            pngs = Enumerable.Range(0, drawn.Length).Select(i => EncodePng(images, i)).ToArray();
        }
        return drawn.Select((request, i) =>
        {
            var parameters = GenerationParameters.Format(request, sampler.Name, ModelId);
            var png = PngText.Write(pngs[i], new Dictionary<string, string> { [GenerationParameters.Keyword] = parameters });
            return new GeneratedImage(png, request, ModelId, clock.Elapsed);
        }).ToList();
    }

    private static byte[] EncodePng(Tensor images, int index)
    {
        using var bitmap = ImageTensor.ToBitmap(images[index]);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}

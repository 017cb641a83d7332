using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Checkpoints;

/// <summary>
/// Exponential moving average of a module's weights: <c>shadow ← decay·shadow + (1−decay)·param</c> for trainable
/// floating-point parameters; buffers and frozen parameters are copied. Shadow tensors use the module's
/// <c>state_dict</c> names, so <c>ema.safetensors</c> loads straight into the model with <see cref="ModuleWeights"/>.
/// </summary>
public sealed class Ema : IDisposable
{
    private readonly nn.Module _model;
    private readonly Dictionary<string, Tensor> _shadow = new();
    private readonly HashSet<string> _averaged = new();

    public Ema(nn.Module model, double decay)
    {
        if (decay is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(decay), decay, "EMA decay must be in [0, 1).");
        _model = model;
        Decay = decay;
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToHashSet();
        using var _ = no_grad();
        foreach (var (name, tensor) in model.state_dict())
        {
            _shadow[name] = tensor.detach().clone().DetachFromDisposeScope();
            if (trainable.Contains(name) && tensor.is_floating_point()) _averaged.Add(name);
        }
    }

    public double Decay { get; }

    /// <summary>How many times <see cref="Update"/> ran (restored from the checkpoint on resume).</summary>
    public long Updates { get; set; }

    /// <summary>The shadow weights under state_dict names (owned by this object; do not dispose).</summary>
    public IReadOnlyDictionary<string, Tensor> Shadow => _shadow;

    /// <summary>Moves the shadow weights one step towards the model's current weights.</summary>
    public void Update()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        using var decay = Decay.ToScalar(); // kept alive across the native calls (see ScalarSafe)
        using var rest = (1 - Decay).ToScalar();
        foreach (var (name, current) in _model.state_dict())
        {
            if (!_shadow.TryGetValue(name, out var shadow))
                throw new InvalidOperationException($"EMA: the model gained '{name}' after the EMA was created.");
            if (_averaged.Contains(name)) shadow.mul_(decay).add_(current, rest);
            else shadow.copy_(current);
        }
        Updates++;
    }

    /// <summary>Copies the shadow weights into <paramref name="module"/> (same architecture as the tracked model).</summary>
    public void CopyTo(nn.Module module)
    {
        using var _ = no_grad();
        var target = module.state_dict();
        foreach (var (name, shadow) in _shadow)
        {
            if (!target.TryGetValue(name, out var dst))
                throw new InvalidOperationException($"EMA: target module has no '{name}'.");
            dst.copy_(shadow);
        }
    }

    /// <summary>
    /// Puts the EMA weights into the tracked model until the returned handle is disposed (then the training
    /// weights come back bit for bit) — for evaluating or sampling with EMA weights mid-training.
    /// </summary>
    public IDisposable SwapIn()
    {
        Dictionary<string, Tensor> saved;
        using (no_grad())
            saved = _model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
        CopyTo(_model);
        return new Restore(_model, saved);
    }

    public void Save(string path)
        => SafeTensors.Save(path, _shadow, new Dictionary<string, string>
        {
            ["ema_decay"] = Decay.ToString("R", CultureInfo.InvariantCulture),
            ["ema_updates"] = Updates.ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>Loads shadow weights saved by <see cref="Save"/>; every key must match in name and shape.</summary>
    public void Load(string path)
    {
        var loaded = SafeTensors.Load(path);
        try
        {
            var missing = _shadow.Keys.Where(k => !loaded.ContainsKey(k)).ToList();
            var unexpected = loaded.Keys.Where(k => !_shadow.ContainsKey(k)).ToList();
            if (missing.Count > 0 || unexpected.Count > 0)
                throw new InvalidDataException($"{path}: EMA keys differ from the model (missing: " +
                    $"{string.Join(", ", missing.Take(5))}; unexpected: {string.Join(", ", unexpected.Take(5))}).");
            using var _ = no_grad();
            foreach (var (name, t) in loaded)
            {
                var dst = _shadow[name];
                if (!dst.shape.SequenceEqual(t.shape))
                    throw new InvalidDataException($"{path}: EMA '{name}' has shape [{string.Join(",", t.shape)}], the model " +
                        $"[{string.Join(",", dst.shape)}].");
                dst.copy_(t);
            }
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var t in _shadow.Values) t.Dispose();
        _shadow.Clear();
    }

    private sealed class Restore(nn.Module model, Dictionary<string, Tensor> saved) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            using (no_grad())
            {
                var target = model.state_dict();
                foreach (var (name, t) in saved) target[name].copy_(t);
            }
            foreach (var t in saved.Values) t.Dispose();
        }
    }
}

using System.Reflection;
using T2I.Core.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Training.Loop;

/// <summary>
/// Optimizer state as safetensors, so a resumed run's next step equals the uninterrupted run's bit for bit.
/// TorchSharp's managed optimizers keep one state object per parameter (in param-group order) with public
/// fields (AdamW: <c>step</c>, <c>exp_avg</c>, <c>exp_avg_sq</c>, <c>max_exp_avg_sq</c>). Each field becomes a tensor
/// named <c>&lt;optimizer&gt;.&lt;index&gt;.&lt;field&gt;</c>: tensors as they are, integers as I64 scalars, floating-point
/// scalars as their IEEE bits in an I64 (exact without needing F64 support).
/// </summary>
public static class OptimizerStateFile
{
    public static void Save(string path, IReadOnlyDictionary<string, optim.Optimizer> optimizers)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        try
        {
            foreach (var (name, optimizer) in optimizers)
            {
                var states = StatesOf(name, optimizer);
                for (int i = 0; i < states.Count; i++)
                    foreach (var field in Fields(states[i]))
                    {
                        var t = ToTensor(field, states[i]);
                        if (t is not null) tensors.Add(new($"{name}.{i}.{field.Name}", t));
                    }
            }
            SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "t2i-optimizer/1" });
        }
        finally
        {
            foreach (var (_, t) in tensors) t.Dispose();
        }
    }

    /// <summary>Restores state into optimizers built the same way (same parameters, same order); throws on any mismatch.</summary>
    public static void Load(string path, IReadOnlyDictionary<string, optim.Optimizer> optimizers)
    {
        var loaded = SafeTensors.Load(path);
        try
        {
            var used = new HashSet<string>();
            using var _ = no_grad();
            foreach (var (name, optimizer) in optimizers)
            {
                var states = StatesOf(name, optimizer);
                for (int i = 0; i < states.Count; i++)
                    foreach (var field in Fields(states[i]))
                    {
                        string key = $"{name}.{i}.{field.Name}";
                        loaded.TryGetValue(key, out var src);
                        if (src is not null) used.Add(key);
                        FromTensor(field, states[i], src, key, path);
                    }
            }
            var unexpected = loaded.Keys.Where(k => !used.Contains(k)).ToList();
            if (unexpected.Count > 0)
                throw new InvalidDataException($"{path}: optimizer state has entries the optimizers do not " +
                    $"({string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", …" : "")}); were the optimizers built " +
                    $"differently?");
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }

    private static List<OptimizerState> StatesOf(string name, optim.Optimizer optimizer)
        => optimizer is OptimizerHelper helper
            ? helper.state_dict().State
            : throw new NotSupportedException($"Optimizer '{name}' ({optimizer.GetType().Name}) is a native TorchSharp optimizer; " +
                $"its state cannot be checkpointed. Use a managed one (AdamW, Adam, SGD, …).");

    private static IEnumerable<FieldInfo> Fields(OptimizerState state)
        => state.GetType().GetFields(BindingFlags.Public | BindingFlags.Instance)
            .Where(f => f.FieldType == typeof(Tensor) || f.FieldType == typeof(long) || f.FieldType == typeof(int)
                     || f.FieldType == typeof(double) || f.FieldType == typeof(float))
            .OrderBy(f => f.Name, StringComparer.Ordinal);

    private static Tensor? ToTensor(FieldInfo field, OptimizerState state)
    {
        object? value = field.GetValue(state);
        return value switch
        {
            Tensor t => t.detach().cpu().clone(),
            long l => tensor(new[] { l }),
            int n => tensor(new[] { (long)n }),
            double d => tensor(new[] { BitConverter.DoubleToInt64Bits(d) }),
            float f => tensor(new[] { BitConverter.DoubleToInt64Bits(f) }),
            _ => null,
        };
    }

    private static void FromTensor(FieldInfo field, OptimizerState state, Tensor? src, string key, string path)
    {
        object? current = field.GetValue(state);
        if (src is null)
        {
            if (current is null) return;
            throw new InvalidDataException($"{path}: optimizer state lacks '{key}'; were the optimizers built differently?");
        }
        if (field.FieldType == typeof(Tensor))
        {
            if (current is Tensor dst)
            {
                if (!dst.shape.SequenceEqual(src.shape))
                    throw new InvalidDataException($"{path}: '{key}' has shape [{string.Join(",", src.shape)}], the optimizer " +
                        $"[{string.Join(",", dst.shape)}].");
                dst.copy_(src);
            }
            else
            {
                // Lazily created state (e.g. AMSGrad's max): place it next to the other tensors of this state.
                var device = Fields(state).Select(f => f.GetValue(state)).OfType<Tensor>().FirstOrDefault()?.device ?? CPU;
                field.SetValue(state, src.to(device).clone().DetachFromDisposeScope());
            }
            return;
        }
        if (src.dtype != ScalarType.Int64 || src.numel() != 1)
            throw new InvalidDataException($"{path}: '{key}' must be one I64 value.");
        long bits = src.item<long>();
        object value = field.FieldType == typeof(long) ? bits
            : field.FieldType == typeof(int) ? checked((int)bits)
            : field.FieldType == typeof(double) ? BitConverter.Int64BitsToDouble(bits)
            : (object)(float)BitConverter.Int64BitsToDouble(bits);
        field.SetValue(state, value);
    }
}

using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using T2I.Training.Loop;

namespace T2I.Training.Presets;

/// <summary>A <c>--set key=value</c> that names no setting or carries a value of the wrong kind.</summary>
public sealed class PresetOverrideException(string message) : ArgumentException(message);

/// <summary>
/// Applies <c>--set key=value</c> to a preset. Keys are the snake_case names printed by
/// <c>training presets NAME</c>: a bare key (<c>lr</c>, <c>depth</c>) is looked up in the loop settings and
/// in the stage config; <c>loop.key</c> / <c>config.key</c> say which when both have it; dots reach nested
/// records (<c>config.encoder.depth</c>). Arrays take comma-separated values; <c>null</c> clears a nullable.
/// </summary>
public static class PresetOverrides
{
    /// <summary>A registered preset with overrides (<c>--steps</c> wins over <c>--set steps=</c>).</summary>
    public static Preset Resolve(string name, IEnumerable<string> sets, long? steps = null)
    {
        var overrides = sets.ToList();
        if (steps is { } n) overrides.Add($"loop.steps={n}");
        return Apply(PresetRegistry.Get(name), overrides);
    }

    public static Preset Apply(Preset preset, IEnumerable<string> assignments)
    {
        var loop = JsonSerializer.SerializeToNode(preset.Loop, PresetJson.Options)!.AsObject();
        var config = JsonSerializer.SerializeToNode(preset.ConfigObject, preset.ConfigType, PresetJson.Options)!.AsObject();
        bool any = false;
        foreach (string assignment in assignments)
        {
            int eq = assignment.IndexOf('=');
            if (eq <= 0) throw new PresetOverrideException($"--set '{assignment}': expected key=value.");
            string key = assignment[..eq].Trim(), raw = assignment[(eq + 1)..].Trim();
            var (root, rootType, path) = Resolve(preset, key, loop, config);
            Set(root, rootType, path, raw, key);
            any = true;
        }
        if (!any) return preset;

        LoopSettings newLoop = Deserialize<LoopSettings>(loop, typeof(LoopSettings));
        newLoop.Validate();
        object newConfig = Deserialize<object>(config, preset.ConfigType);
        return preset.WithConfigObject(newConfig) with { Loop = newLoop };
    }

    /// <summary>Every settable key of a preset (leaf names, qualified), for help and error messages.</summary>
    public static IReadOnlyList<string> Keys(Preset preset)
        => Leaves(typeof(LoopSettings), "loop.").Concat(Leaves(preset.ConfigType, "config.")).ToList();

    private static (JsonObject Root, Type RootType, string[] Path) Resolve(Preset preset, string key, JsonObject loop, JsonObject config)
    {
        string[] parts = key.Split('.');
        if (parts.Any(string.IsNullOrWhiteSpace)) throw new PresetOverrideException($"--set '{key}': empty key segment.");
        if (parts.Length > 1 && parts[0] == "loop") return (loop, typeof(LoopSettings), parts[1..]);
        if (parts.Length > 1 && parts[0] == "config") return (config, preset.ConfigType, parts[1..]);
        bool inLoop = FindProperty(typeof(LoopSettings), parts) is not null;
        bool inConfig = FindProperty(preset.ConfigType, parts) is not null;
        if (inLoop && inConfig)
            throw new PresetOverrideException($"--set '{key}' is ambiguous in preset '{preset.Name}': write loop.{key} or config.{key}.");
        if (inLoop) return (loop, typeof(LoopSettings), parts);
        if (inConfig) return (config, preset.ConfigType, parts);
        throw new PresetOverrideException($"--set '{key}': preset '{preset.Name}' has no such setting. Settable keys: " +
            $"{string.Join(", ", Keys(preset))}.");
    }

    private static void Set(JsonObject root, Type rootType, string[] path, string raw, string key)
    {
        var property = FindProperty(rootType, path)
            ?? throw new PresetOverrideException($"--set '{key}': no setting '{string.Join('.', path)}' in {rootType.Name}.");
        JsonObject node = root;
        foreach (string segment in path[..^1])
            node = node[segment] as JsonObject
                ?? throw new PresetOverrideException($"--set '{key}': '{segment}' is null or not a group of settings.");
        node[path[^1]] = JsonSerializer.SerializeToNode(ParseValue(raw, property.PropertyType, key), property.PropertyType,
            PresetJson.Options);
    }

    private static PropertyInfo? FindProperty(Type type, string[] path)
    {
        PropertyInfo? property = null;
        foreach (string segment in path)
        {
            property = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .FirstOrDefault(p => p.CanRead && JsonName(p) == segment && p.GetIndexParameters().Length == 0);
            if (property is null) return null;
            type = property.PropertyType;
        }
        return property;
    }

    private static string JsonName(PropertyInfo p) => PresetJson.Options.PropertyNamingPolicy!.ConvertName(p.Name);

    private static object? ParseValue(string raw, Type type, string key)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        bool nullable = underlying is not null || !type.IsValueType;
        if (nullable && raw is "null" or "") return null;
        type = underlying ?? type;
        var inv = CultureInfo.InvariantCulture;
        string Bad(string expected) => $"--set {key}={raw}: expected {expected}.";
        if (type == typeof(string)) return raw;
        if (type == typeof(bool))
            return raw.ToLowerInvariant() switch
            {
                "true" or "1" or "yes" or "on" => true,
                "false" or "0" or "no" or "off" => false,
                _ => throw new PresetOverrideException(Bad("true or false")),
            };
        if (type == typeof(int) || type == typeof(long))
        {
            // Accept 1e4 / 10_000 for step counts, but only when the value is a whole number.
            string cleaned = raw.Replace("_", "");
            if (long.TryParse(cleaned, NumberStyles.Integer, inv, out long l) ||
                (double.TryParse(cleaned, NumberStyles.Float, inv, out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e18
                    && (l = (long)d) == d))
            {
                if (type == typeof(int) && l is < int.MinValue or > int.MaxValue)
                    throw new PresetOverrideException(Bad("a 32-bit integer"));
                return type == typeof(int) ? (object)(int)l : l;
            }
            throw new PresetOverrideException(Bad("an integer"));
        }
        if (type == typeof(double) || type == typeof(float))
        {
            if (!double.TryParse(raw.Replace("_", ""), NumberStyles.Float, inv, out double d) || !double.IsFinite(d))
                throw new PresetOverrideException(Bad("a number"));
            return type == typeof(float) ? (float)d : d;
        }
        if (type.IsEnum)
        {
            var match = Enum.GetNames(type).FirstOrDefault(n => string.Equals(n, raw.Replace("_", ""), StringComparison.OrdinalIgnoreCase)
                                                               || PresetJson.Options.PropertyNamingPolicy!.ConvertName(n) == raw);
            return match is not null ? Enum.Parse(type, match)
                : throw new PresetOverrideException(Bad($"one of {string.Join(", ", Enum.GetNames(type))}"));
        }
        var element = type.IsArray ? type.GetElementType()
            : type.IsGenericType && type.GetGenericArguments().Length == 1
                && typeof(System.Collections.IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0] : null;
        if (element is not null)
        {
            var items = raw.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s =>
                ParseValue(s, element, key)).ToArray();
            var array = Array.CreateInstance(element, items.Length);
            for (int i = 0; i < items.Length; i++) array.SetValue(items[i], i);
            return JsonSerializer.Deserialize(JsonSerializer.Serialize(array, array.GetType(), PresetJson.Options), type,
                PresetJson.Options);
        }
        throw new PresetOverrideException($"--set {key}: '{type.Name}' settings cannot be set from the command line; set its " +
            $"fields (e.g. {key}.field=value).");
    }

    private static T Deserialize<T>(JsonObject node, Type type)
    {
        try { return (T)JsonSerializer.Deserialize(node, type, PresetJson.Options)!; }
        catch (JsonException e) { throw new PresetOverrideException($"Overrides produce an invalid {type.Name}: {e.Message}"); }
    }

    private static IEnumerable<string> Leaves(Type type, string prefix, int depth = 0)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead
            && p.GetIndexParameters().Length == 0 && p.GetMethod!.IsPublic && p.Name != "EqualityContract"))
        {
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            bool nested = depth < 4 && t.IsClass && t != typeof(string) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(t);
            if (nested) foreach (var leaf in Leaves(t, prefix + JsonName(p) + ".", depth + 1)) yield return leaf;
            else yield return prefix + JsonName(p);
        }
    }
}

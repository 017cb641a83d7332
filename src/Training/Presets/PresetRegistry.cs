using System.Reflection;
using T2I.Training.Loop;

namespace T2I.Training.Presets;

/// <summary>
/// All presets the <c>training</c> CLI knows. A stage adds its presets by declaring a class that implements
/// <see cref="IPresetProvider"/> (with a parameterless constructor) anywhere in the Training assembly — no
/// registration call, no shared file to edit.
/// </summary>
public static class PresetRegistry
{
    private static readonly Lazy<IReadOnlyList<Preset>> Discovered = new(() => Discover(typeof(PresetRegistry).Assembly));

    public static IReadOnlyList<Preset> All => Discovered.Value;

    public static IReadOnlyList<Preset> Discover(params Assembly[] assemblies)
    {
        var presets = assemblies
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(IPresetProvider).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }
                && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .SelectMany(t => ((IPresetProvider)Activator.CreateInstance(t)!).Presets)
            .ToList();
        var duplicate = presets.GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"Preset '{duplicate.Key}' is defined more than once.");
        return presets.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
    }

    public static Preset? Find(string name) => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    public static Preset Get(string name)
        => Find(name) ?? throw new KeyNotFoundException($"Unknown preset '{name}'. Known presets: " +
            $"{string.Join(", ", All.Select(p => p.Name))}.");
}

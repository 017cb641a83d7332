using System.CommandLine;
using T2I.Training.Presets;

namespace T2I.Training.Commands;

/// <summary><c>training presets [NAME]</c>: the table of presets, or one preset's values and settable keys.</summary>
public static class PresetsCommand
{
    public static Command Build()
    {
        var name = new Argument<string?>("name") { Description = "Show one preset in full.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("presets", "List the presets, or print one with every value --set can change.") { name };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            string? one = parse.GetValue(name);
            if (one is not null)
            {
                var preset = PresetRegistry.Find(one);
                if (preset is null)
                {
                    parse.InvocationConfiguration.Error.WriteLine($"Unknown preset '{one}'. Known presets: " +
                        $"{string.Join(", ", PresetRegistry.All.Select(p => p.Name))}.");
                    return LaunchCommand.ExitUsage;
                }
                output.WriteLine(preset.ToJson());
                output.WriteLine("Settable keys: " + string.Join(", ", PresetOverrides.Keys(preset)));
                return 0;
            }
            output.WriteLine($"{"preset",-18} {"trainer",-18} {"steps",10} {"batch",6} {"lr",9}  description");
            foreach (var p in PresetRegistry.All)
                output.WriteLine($"{p.Name,-18} {p.Trainer,-18} {p.Loop.Steps,10:N0} {p.Loop.BatchSize,6} {p.Loop.Lr,9:G3}  " +
                    $"{p.Description}");
            return 0;
        });
        return command;
    }
}

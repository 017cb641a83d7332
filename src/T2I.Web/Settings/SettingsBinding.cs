using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace T2I.Web.Settings;

/// <summary>
/// The one way the app reads its <c>T2I:*</c> settings: each options record is bound from its section with
/// <c>AddOptions&lt;T&gt;().Bind(…)</c>, validated by its own <see cref="ISettings.Problems"/> and checked at start-up
/// (<see cref="CheckAll"/>, and <c>ValidateOnStart</c> for hosts built another way), so a bad value stops the start with
/// one line naming it instead of failing late or with a stack trace.
/// </summary>
public static partial class SettingsBinding
{
    public static IServiceCollection AddSettings<T>(this IServiceCollection services, IConfiguration config, string section)
        where T : class, ISettings
    {
        services.AddOptions<T>().Bind(config.GetSection(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new ProblemsValidation<T>());
        services.AddSingleton(new Registered(sp => sp.GetRequiredService<IOptions<T>>().Value));
        return services;
    }

    /// <summary>
    /// The settings a host needs before its services exist (its role, which services to register), through the same
    /// record; <see cref="CheckAll"/> validates it with the rest. Only text settings are read this way: binding cannot fail.
    /// </summary>
    public static T Read<T>(IConfiguration config, string section) where T : class, ISettings, new() =>
        config.GetSection(section).Get<T>() ?? new T();

    /// <summary>
    /// Binds and validates every registered settings record now, at build time, collecting every bad value (a binder
    /// failure included, which is no validation failure) into one line each; throws <see cref="InvalidSettingsException"/>.
    /// </summary>
    public static void CheckAll(IServiceProvider services, IConfiguration config)
    {
        var problems = new List<string>();
        foreach (var settings in services.GetServices<Registered>())
        {
            try
            {
                _ = settings.Bind(services);
            }
            catch (Exception e) when (Explain(e, config) is { } message)
            {
                problems.Add(message);
            }
        }
        if (problems.Count > 0) throw new InvalidSettingsException(string.Join(Environment.NewLine, problems));
    }

    /// <summary>One settings record the app reads, as a way to bind it.</summary>
    private sealed record Registered(Func<IServiceProvider, object> Bind);

    private static string? Explain(Exception e, IConfiguration config) => e switch
    {
        OptionsValidationException invalid => string.Join(Environment.NewLine, invalid.Failures),
        // The binder's own words name .NET types ("Failed to convert configuration value at 'T2I:Workers' to type 'System.Int32'").
        InvalidOperationException when BinderFailure().Match(e.Message) is { Success: true } m =>
            $"{m.Groups["key"].Value} must be {Expected(m.Groups["type"].Value)} (got '{Cut(config[m.Groups["key"].Value] ?? "")}').",
        _ => null,
    };

    /// <summary>Every whole-number setting of the app counts something (workers, tokens, threads): at least 1.</summary>
    private static string Expected(string type) => type switch
    {
        "System.Int32" or "System.Nullable`1[System.Int32]" => "a whole number of at least 1",
        "System.TimeSpan" => "a duration such as 00:05:00",
        _ => $"a {type.Split('.')[^1]}",
    };

    public static string Cut(string text) => text.Length > 40 ? text[..40] + "…" : text;

    public static string Text(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    [GeneratedRegex("at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex BinderFailure();

    private sealed class ProblemsValidation<T> : IValidateOptions<T> where T : class, ISettings
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = options.Problems().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}

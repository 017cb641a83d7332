using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace T2I.Web.Tests.Deployment;

/// <summary>Environment variables in compose and k8s: documented, backed by real configuration keys, no secrets.</summary>
public partial class EnvironmentTests
{

    [Fact]
    public void Every_variable_is_documented_in_DEPLOY_md_or_is_a_dotnet_variable()
    {
        var documented = DocumentedRegex().Matches(DeploymentRepo.Read("infra/DEPLOY.md")).Select(m => m.Groups[1].Value).ToHashSet();
        var names = AllNames().ToList();
        Assert.Contains("ConnectionStrings__Hangfire", names);
        var missing = names.Where(n => !documented.Contains(n) && !n.StartsWith("ASPNETCORE_") && !n.StartsWith("DOTNET_")).ToList();
        Assert.True(missing.Count == 0, "Not in the DEPLOY.md table: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_T2I_variable_maps_to_a_configuration_key_the_code_reads()
    {
        string code = string.Join('\n', Directory.EnumerateFiles(DeploymentRepo.PathOf("src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/") && !f.Contains("/bin/")).Select(File.ReadAllText));
        foreach (var name in ContainerNames().Where(n => n.StartsWith("T2I") || n.StartsWith("ConnectionStrings__")).Distinct())
        {
            bool known = name switch
            {
                _ when name.StartsWith("ConnectionStrings__") => code.Contains($"GetConnectionString(\"{name["ConnectionStrings__".Length..]}\")"),
                _ when name.StartsWith("T2I__") => IsBoundSetting(Key(name)),
                _ => code.Contains($"\"{name}\""), // plain variables are read by name
            };
            Assert.True(known, $"{name} is not read anywhere in src/ (configuration key '{Key(name)}')");
        }
    }

    [Fact]
    public void Compose_passwords_and_secrets_are_required_variables_never_values()
    {
        string text = DeploymentRepo.Read("infra/compose.yaml");
        // A default (:-) on a secret would start the stack with a password anyone can read here.
        foreach (Match m in SecretInterpolationRegex().Matches(text))
            Assert.True(m.Groups[2].Value == ":?", $"${{{m.Groups[1].Value}}} must be required (:?), not defaulted");
        foreach (var (service, svc) in DeploymentRepo.Compose().Get("services").Pairs())
            foreach (var (name, value) in DeploymentRepo.ComposeEnvironment(svc.Get("environment")))
            {
                if (IsSecretName(name)) Assert.Matches(@"^\$\{[A-Z0-9_]+:\?", value);
                if (value.Contains("Password=", StringComparison.OrdinalIgnoreCase))
                    Assert.Matches(@"Password=\$\{[A-Z0-9_]+:\?", value);
            }
    }

    [Fact]
    public void K8s_secrets_come_from_secret_refs_and_no_secret_is_committed()
    {
        foreach (var file in DeploymentRepo.K8sFiles())
            foreach (var doc in DeploymentRepo.LoadYaml(file))
            {
                Assert.NotEqual("Secret", doc.Str("kind"));
                if (doc.Str("kind") == "ConfigMap")
                    Assert.DoesNotContain(doc.Get("data").Pairs(), p => IsSecretName(p.Key) || p.Key.StartsWith("ConnectionStrings__"));
            }
        var refs = new List<string>();
        foreach (var (file, _, container) in DeploymentRepo.K8sContainers())
            foreach (var env in container.Get("env").Items())
            {
                string name = env.Str("name")!;
                if (!IsSecretName(name) && !name.StartsWith("ConnectionStrings__")) continue;
                Assert.True(env.Get("value") is null, $"{file}: {name} has a literal value");
                refs.Add(env.At("valueFrom", "secretKeyRef").Str("key") ?? throw new Xunit.Sdk.XunitException($"{file}: {name} is not a secretKeyRef"));
            }
        Assert.NotEmpty(refs);
        string doc2 = DeploymentRepo.Read("infra/DEPLOY.md");
        Assert.All(refs.Distinct(), key => Assert.Contains($"--from-literal={key}=", doc2));
    }

    [Fact]
    public void Dockerfiles_set_no_secret_variables()
    {
        foreach (var file in DeploymentRepo.Dockerfiles())
            foreach (var env in DockerfileTests.Instructions(Path.GetFileName(file), "ENV").Concat(DockerfileTests.Instructions(Path.GetFileName(file), "ARG")))
                Assert.False(IsSecretName(env.Split('=', ' ')[0]), $"{Path.GetFileName(file)}: {env}");
    }

    /// <summary>Every variable: all compose services' and k8s containers', plus the host variables compose interpolates.</summary>
    private static IEnumerable<string> AllNames() =>
        DeploymentRepo.Compose().Get("services").Pairs().SelectMany(s => DeploymentRepo.ComposeEnvironment(s.Value.Get("environment")).Keys)
            .Concat(ContainerNames())
            .Concat(DeploymentRepo.Interpolated(DeploymentRepo.Read("infra/compose.yaml")));

    /// <summary>Variables set inside the T2I containers (compose services built here, k8s containers, ConfigMaps).</summary>
    private static IEnumerable<string> ContainerNames()
    {
        foreach (var (_, svc) in DeploymentRepo.Compose().Get("services").Pairs().Where(s => s.Value.Get("build") is not null))
            foreach (var name in DeploymentRepo.ComposeEnvironment(svc.Get("environment")).Keys) yield return name;
        foreach (var (_, _, container) in DeploymentRepo.K8sContainers())
            foreach (var env in container.Get("env").Items()) yield return env.Str("name")!;
        foreach (var file in DeploymentRepo.K8sFiles())
            foreach (var doc in DeploymentRepo.LoadYaml(file).Where(d => d.Str("kind") == "ConfigMap"))
                foreach (var (key, _) in doc.Get("data").Pairs()) yield return key;
    }

    /// <summary>A settings record of the app (T2I.Web.Settings.ISettings) binds this key: its section and a settable property.</summary>
    private static bool IsBoundSetting(string key)
    {
        int cut = key.LastIndexOf(':');
        string section = key[..cut], property = key[(cut + 1)..];
        const System.Reflection.BindingFlags Public = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance
            | System.Reflection.BindingFlags.IgnoreCase;
        return typeof(Program).Assembly.GetTypes()
            .Where(t => t.IsClass && typeof(T2I.Web.Settings.ISettings).IsAssignableFrom(t))
            .Any(t => string.Equals(t.GetField("Section")?.GetRawConstantValue() as string, section, StringComparison.OrdinalIgnoreCase)
                && t.GetProperty(property, Public)?.CanWrite == true);
    }

    private static string Key(string envName) => envName.Replace("__", ":");

    private static bool IsSecretName(string name) => SecretNameRegex().IsMatch(name);

    [GeneratedRegex(@"PASSWORD|SECRET|TOKEN", RegexOptions.IgnoreCase)]
    private static partial Regex SecretNameRegex();

    [GeneratedRegex(@"\$\{([A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN)[A-Z0-9_]*)(:[-?])?")]
    private static partial Regex SecretInterpolationRegex();

    [GeneratedRegex(@"^\|\s*`([A-Za-z0-9_]+)`", RegexOptions.Multiline)]
    private static partial Regex DocumentedRegex();
}

using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace T2I.Web.Tests.Deployment;

/// <summary>Reads the deployment files (infra/compose.yaml, infra/k8s, infra/docker) of this checkout.</summary>
internal static partial class DeploymentRepo
{
    public static readonly string Root = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    public static IEnumerable<string> K8sFiles() =>
        Directory.EnumerateFiles(PathOf("infra/k8s"), "*.yaml").Order(StringComparer.Ordinal);

    public static IEnumerable<string> Dockerfiles() =>
        Directory.EnumerateFiles(PathOf("infra/docker"), "*.Dockerfile").Order(StringComparer.Ordinal);

    /// <summary>All YAML documents of a file; throws on syntax errors and duplicate keys.</summary>
    public static List<YamlMappingNode> LoadYaml(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(path))) stream.Load(reader);
        return stream.Documents.Select(d => d.RootNode as YamlMappingNode
            ?? throw new InvalidDataException($"{path}: a document is not a mapping")).ToList();
    }

    public static YamlMappingNode Compose() => LoadYaml(PathOf("infra/compose.yaml")).Single();

    public static YamlNode? Get(this YamlNode? node, string key) =>
        node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    public static string? Str(this YamlNode? node, string key) => (node.Get(key) as YamlScalarNode)?.Value;

    public static YamlNode? At(this YamlNode? node, params string[] keys) => keys.Aggregate(node, (n, k) => n.Get(k));

    public static IEnumerable<YamlNode> Items(this YamlNode? node) =>
        node is YamlSequenceNode s ? s.Children : [];

    public static IEnumerable<KeyValuePair<string, YamlNode>> Pairs(this YamlNode? node) =>
        node is YamlMappingNode m ? m.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, c.Value)) : [];

    /// <summary>A compose <c>environment</c> map with YAML merge keys (<c>&lt;&lt;: *anchor</c>) applied.</summary>
    public static Dictionary<string, string> ComposeEnvironment(YamlNode? env)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in env.Pairs())
        {
            if (key == "<<") foreach (var (k, v) in ComposeEnvironment(value)) result.TryAdd(k, v);
            else result[key] = (value as YamlScalarNode)?.Value ?? "";
        }
        return result;
    }

    /// <summary>Every container spec (Deployment, Job, CronJob) in infra/k8s, with the file it came from.</summary>
    public static IEnumerable<(string File, string Kind, YamlNode Container)> K8sContainers()
    {
        foreach (var file in K8sFiles())
            foreach (var doc in LoadYaml(file))
            {
                string kind = doc.Str("kind") ?? "";
                var pod = kind == "CronJob" ? doc.At("spec", "jobTemplate", "spec", "template", "spec") : doc.At("spec", "template", "spec");
                foreach (var c in pod.Get("containers").Items()) yield return (System.IO.Path.GetFileName(file), kind, c);
            }
    }

    /// <summary>Names used in <c>${NAME}</c>, <c>${NAME:-default}</c>, <c>${NAME:?message}</c>.</summary>
    public static IEnumerable<string> Interpolated(string text) =>
        InterpolationRegex().Matches(text).Select(m => m.Groups[1].Value).Distinct();

    [GeneratedRegex(@"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex InterpolationRegex();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "T2I.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("T2I.sln not found above the test output folder.");
    }
}

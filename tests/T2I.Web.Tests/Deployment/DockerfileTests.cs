using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace T2I.Web.Tests.Deployment;

/// <summary>The Dockerfiles can only be built where a Docker engine runs; here we check what they refer to.</summary>
public partial class DockerfileTests
{
    public static TheoryData<string> Dockerfiles() => [.. DeploymentRepo.Dockerfiles().Select(f => Path.GetFileName(f))];

    [Theory, MemberData(nameof(Dockerfiles))]
    public void Copy_sources_exist_in_the_build_context_and_are_not_dockerignored(string name)
    {
        var ignored = IgnoredPrefixes();
        var sources = Instructions(name, "COPY").Where(a => !a.StartsWith("--from=")).SelectMany(CopySources).ToList();
        Assert.NotEmpty(sources);
        foreach (var src in sources)
        {
            string full = DeploymentRepo.PathOf(src);
            Assert.True(File.Exists(full) || Directory.Exists(full), $"{name}: COPY source '{src}' is not in the repository");
            Assert.DoesNotContain(ignored, p => (src.TrimEnd('/') + "/").StartsWith(p, StringComparison.Ordinal));
        }
    }

    [Theory, MemberData(nameof(Dockerfiles))]
    public void Projects_named_in_dotnet_commands_exist_and_are_copied(string name)
    {
        string text = DeploymentRepo.Read($"infra/docker/{name}");
        var projects = ProjectRegex().Matches(text).Select(m => m.Value).Distinct().ToList();
        Assert.NotEmpty(projects);
        var copied = Instructions(name, "COPY").SelectMany(CopySources).ToList();
        foreach (var project in projects)
        {
            Assert.True(File.Exists(DeploymentRepo.PathOf(project)), $"{name}: {project} does not exist");
            // The restore layer needs the .csproj and the publish layer its sources.
            Assert.Contains(project, copied);
            Assert.Contains(copied, c => c.EndsWith('/') && project.StartsWith(c, StringComparison.Ordinal));
        }
    }

    /// <summary>Restore fails on a ProjectReference whose project was not copied (T2I.Web → DataPrep → T2I.Core).</summary>
    [Theory, MemberData(nameof(Dockerfiles))]
    public void Every_project_referenced_transitively_is_copied_before_restore_and_with_its_sources(string name)
    {
        string text = DeploymentRepo.Read($"infra/docker/{name}");
        var copied = Instructions(name, "COPY").SelectMany(CopySources).ToList();
        var pending = new Queue<string>(ProjectRegex().Matches(text).Select(m => m.Value).Distinct());
        var seen = new HashSet<string>();
        while (pending.TryDequeue(out var project))
        {
            if (!seen.Add(project)) continue;
            Assert.True(copied.Contains(project), $"{name}: {project} is referenced but its .csproj is not copied");
            Assert.True(copied.Any(c => c.EndsWith('/') && project.StartsWith(c, StringComparison.Ordinal)), $"{name}: the sources of {project} are not copied");
            string dir = Path.GetDirectoryName(project)!;
            foreach (var reference in XDocument.Load(DeploymentRepo.PathOf(project)).Descendants("ProjectReference"))
                pending.Enqueue(Path.GetRelativePath(DeploymentRepo.PathOf("."), Path.GetFullPath(Path.Combine(DeploymentRepo.PathOf(dir), reference.Attribute("Include")!.Value))).Replace('\\', '/'));
        }
        Assert.Contains("src/T2I.Core/T2I.Core.csproj", seen);
    }

    [Theory, MemberData(nameof(Dockerfiles))]
    public void Entrypoints_run_an_assembly_that_a_published_project_produces(string name)
    {
        string text = DeploymentRepo.Read($"infra/docker/{name}");
        var assemblies = ProjectRegex().Matches(text).Select(m => AssemblyName(m.Value) + ".dll").ToHashSet();
        var entrypoints = EntrypointRegex().Matches(text).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(entrypoints);
        Assert.All(entrypoints, dll => Assert.Contains(dll, assemblies));
    }

    [Theory, MemberData(nameof(Dockerfiles))]
    public void Stages_copied_from_are_defined_and_bases_are_dotnet_10_or_cuda(string name)
    {
        var stages = Instructions(name, "FROM").Select(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 3).Select(p => p[2]).ToHashSet();
        foreach (var from in Instructions(name, "COPY").Where(a => a.StartsWith("--from=")))
        {
            string stage = from["--from=".Length..].Split(' ')[0];
            Assert.True(stages.Contains(stage), $"{name}: COPY --from={stage} names no stage");
        }
        foreach (var image in Instructions(name, "FROM").Select(a => a.Split(' ')[0]).Where(i => !stages.Contains(i)))
            Assert.Matches(@"^(mcr\.microsoft\.com/dotnet/(sdk|aspnet):10\.0|\$\{CUDA_BASE\})$", image);
    }

    /// <summary>Instruction arguments, with line continuations joined and comments dropped.</summary>
    internal static IEnumerable<string> Instructions(string name, string instruction)
    {
        string text = DeploymentRepo.Read($"infra/docker/{name}").Replace("\\\n", " ");
        return text.Split('\n').Select(l => l.Trim())
            .Where(l => l.StartsWith(instruction + " ", StringComparison.Ordinal))
            .Select(l => l[(instruction.Length + 1)..].Trim());
    }

    /// <summary>COPY arguments are sources then one destination; flags (--chown, --from) come first.</summary>
    private static IEnumerable<string> CopySources(string args)
    {
        var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--")).ToArray();
        return parts[..^1];
    }

    private static List<string> IgnoredPrefixes() =>
        File.ReadAllLines(DeploymentRepo.PathOf(".dockerignore")).Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("**") && !l.StartsWith('*'))
            .Select(l => l.TrimEnd('/') + "/").ToList();

    private static string AssemblyName(string project) =>
        XDocument.Load(DeploymentRepo.PathOf(project)).Descendants("AssemblyName").FirstOrDefault()?.Value
        ?? Path.GetFileNameWithoutExtension(project);

    [GeneratedRegex(@"src/[A-Za-z0-9_.]+/[A-Za-z0-9_.]+\.csproj")]
    private static partial Regex ProjectRegex();

    [GeneratedRegex(@"ENTRYPOINT \[""dotnet"", ""([^""]+)""\]")]
    private static partial Regex EntrypointRegex();
}

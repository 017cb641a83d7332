using System.Reflection;
using System.Xml.Linq;
using NetArchTest.Rules;

namespace T2I.Architecture.Tests;

/// <summary>
/// The house rules of README "Layout", executable: three thin hosts over shared libraries, no host using another,
/// no host package in the libraries, commands on top inside `training`, and no folder loops anywhere.
/// </summary>
public class LayeringTests
{
    private static readonly Assembly Core = typeof(T2I.Core.TorchRuntime).Assembly;
    private static readonly Assembly Cli = typeof(T2I.Cli.ConsoleProgress).Assembly;
    private static readonly Assembly DataPrep = typeof(T2I.DataPrep.Program).Assembly;
    private static readonly Assembly Training = typeof(T2I.Training.Program).Assembly;
    private static readonly Assembly Web = typeof(T2I.Web.Program).Assembly;

    /// <summary>Host → the root namespace of its code.</summary>
    private static readonly Dictionary<string, string> Hosts = new()
    {
        ["DataPrep"] = "T2I.DataPrep", ["Training"] = "T2I.Training", ["T2I.Web"] = "T2I.Web",
    };

    /// <summary>Packages only a host may carry: the web stack and queue, CLI rendering and parsing, plotting.</summary>
    private static readonly string[] HostPackages =
        ["Hangfire", "Npgsql", "Microsoft.AspNetCore", "Spectre.Console", "System.CommandLine", "ScottPlot"];

    public static TheoryData<string> AllProjects => new() { "T2I.Core", "T2I.Cli", "DataPrep", "Training", "T2I.Web" };

    [Theory]
    [MemberData(nameof(AllProjects))]
    public void NoProjectReferencesAHost(string project)
    {
        var referenced = ProjectReferences(project);
        Assert.True(!referenced.Intersect(Hosts.Keys).Any(), $"{project} references host(s) {string.Join(", ", referenced.Intersect(Hosts.Keys))}");
    }

    [Fact]
    public void CoreReferencesNoProjectAndNoHostPackage()
    {
        Assert.Empty(ProjectReferences("T2I.Core"));
        var packages = PackageReferences("T2I.Core");
        Assert.True(!packages.Any(IsHostPackage), $"T2I.Core carries host packages: {string.Join(", ", packages.Where(IsHostPackage))}");
    }

    [Fact]
    public void TheWebHostDoesNotCarryTheConsoleLibrary() => Assert.DoesNotContain("T2I.Cli", ProjectReferences("T2I.Web"));

    [Fact]
    public void CoreCodeUsesNoHostNamespaceOrHostPackage()
    {
        var result = Types.InAssembly(Core).ShouldNot()
            .HaveDependencyOnAny([.. HostPackages, "T2I.DataPrep", "T2I.Training", "T2I.Web", "T2I.Cli"]).GetResult();
        Assert.True(result.IsSuccessful, "T2I.Core types using hosts or host packages: " + Names(result));
    }

    [Theory]
    [InlineData("DataPrep")]
    [InlineData("Training")]
    [InlineData("T2I.Web")]
    public void NoHostCodeUsesAnotherHost(string host)
    {
        var assembly = host switch { "DataPrep" => DataPrep, "Training" => Training, _ => Web };
        var others = Hosts.Where(h => h.Key != host).Select(h => h.Value).ToArray();
        var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(others).GetResult();
        Assert.True(result.IsSuccessful, $"{host} types using another host: " + Names(result));
    }

    [Fact]
    public void InsideTrainingNothingBelowTheCommandsUsesThem()
    {
        // Commands (and Program, which lists them) sit on top of loop, presets, trainers and the demo chain.
        var result = Types.InAssembly(Training).That().DoNotResideInNamespace("T2I.Training.Commands")
            .And().DoNotHaveName("Program").ShouldNot().HaveDependencyOn("T2I.Training.Commands").GetResult();
        Assert.True(result.IsSuccessful, "training code below the commands using them: " + Names(result));
    }

    public static TheoryData<string> Assemblies => new() { "T2I.Core", "T2I.Cli", "dataprep", "training", "T2I.Web" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void NoFolderLoops(string assembly)
    {
        var graph = new NamespaceGraph(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));
        var cycles = graph.Cycles();
        Assert.True(cycles.Count == 0, $"{assembly}: folders that import each other:\n" +
            string.Join("\n", cycles.Select(c => string.Join(" ⇄ ", c) + "\n" + graph.Describe(c))));
    }

    [Fact]
    public void SourceLinesFitIn140Bytes()
    {
        var src = Path.Combine(RepoRoot, "src");
        var sep = Path.DirectorySeparatorChar;
        var tooLong = Directory.EnumerateFiles(src, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{sep}bin{sep}") && !f.Contains($"{sep}obj{sep}"))
            // UTF-8 bytes, as the style checkers count: '·' or '→' take two or three of the 140.
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, Length: System.Text.Encoding.UTF8.GetByteCount(line))))
            .Where(l => l.Length > 140)
            .Select(l => $"{Path.GetRelativePath(RepoRoot, l.f)}:{l.i + 1} ({l.Length})").ToList();
        Assert.True(tooLong.Count == 0, $"{tooLong.Count} lines over 140 characters:\n" + string.Join("\n", tooLong.Take(20)));
    }

    private static bool IsHostPackage(string package) =>
        HostPackages.Any(h => package == h || package.StartsWith(h + ".", StringComparison.Ordinal));

    private static string Names(TestResult result) => string.Join(", ", result.FailingTypeNames ?? []);

    private static XDocument Project(string name) => XDocument.Load(Path.Combine(RepoRoot, "src", name, name + ".csproj"));

    private static List<string> ProjectReferences(string project) => Project(project).Descendants("ProjectReference")
        .Select(e => Path.GetFileNameWithoutExtension((string)e.Attribute("Include")!)).ToList();

    private static List<string> PackageReferences(string project) => Project(project).Descendants("PackageReference")
        .Select(e => (string)e.Attribute("Include")!).ToList();

    private static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "T2I.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("T2I.sln not found above the test binaries");
    }
}

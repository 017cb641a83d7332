namespace T2I.Core.Tests.TorchSharpFixes;

/// <summary>
/// Tests that switch libtorch's process-wide oneDNN flag on (through OneDnnConv2d) run alone, after the
/// parallel tests, so no native-path convolution of another test runs inside their oneDNN windows.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OneDnnCollection
{
    public const string Name = "oneDNN switch";
}

namespace T2I.Core.Tests.Support;

public static class OutputTrees
{
    /// <summary>Same relative file names (temp files of the store excluded) with byte-identical contents.</summary>
    public static void AssertIdentical(string expectedDir, string actualDir)
    {
        static List<string> Files(string d) => Directory.GetFiles(d, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".t2i-partial")).Select(f => Path.GetRelativePath(d, f)).Order(StringComparer.Ordinal).ToList();
        var expected = Files(expectedDir);
        Assert.Equal(expected, Files(actualDir));
        Assert.Contains("manifest.json", expected);
        foreach (var f in expected)
            Assert.True(File.ReadAllBytes(Path.Combine(expectedDir, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actualDir, f))), $"{f} differs");
    }
}

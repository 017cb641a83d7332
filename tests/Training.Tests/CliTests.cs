namespace T2I.Training.Tests;

public class CliTests
{
    [Fact]
    public async Task HelpDescribesTheTool()
    {
        var output = new StringWriter();
        var result = Program.BuildRoot().Parse(["--help"]);
        int code = await result.InvokeAsync(new() { Output = output });
        Assert.Equal(0, code);
        Assert.Contains("aligned-tokenizer", output.ToString());
    }
}

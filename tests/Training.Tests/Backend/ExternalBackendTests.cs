using System.Diagnostics;
using System.Text.Json;
using T2I.Training.Tests.Dit;
using T2I.Training.Tests.Loop;

namespace T2I.Training.Tests.Backend;

/// <summary>
/// Builds <c>training</c> with <c>-p:T2IBackend=external</c> (no libtorch shipped) once, in its own artifacts/ folders.
/// The libtorch the normal build restores lies beside these tests (runtimes/linux-x64/native): the one to point at.
/// </summary>
public sealed class ExternalBuild
{
    public string Repo { get; } = Path.GetDirectoryName(Path.GetDirectoryName(DemoModelTests.DemoPath()))!;
    public string TrainingDll => Path.Combine(Repo, "artifacts/external/bin/Training/Debug/net10.0/training.dll");
    public string DataPrepDir => Path.Combine(Repo, "artifacts/external/bin/DataPrep/Debug/net10.0");
    public string BundledLibTorch { get; } = Path.Combine(AppContext.BaseDirectory, "runtimes/linux-x64/native");
    public string BuildLog { get; }

    public ExternalBuild()
    {
        // No build servers: they would outlive the build holding our output pipes open. DataPrep for the GPU script's data.
        BuildLog = "";
        foreach (var project in new[] { "src/Training", "src/DataPrep" })
        {
            var (code, stdout, stderr) = Cli.Run("dotnet", ["build", Path.Combine(Repo, project), "-p:T2IBackend=external",
                "-nodeReuse:false", "-p:UseSharedCompilation=false", "-v", "q", "-nologo"], env: null, timeoutMs: 600_000);
            BuildLog += stdout + stderr;
            if (code != 0) throw new InvalidOperationException($"external build of {project} failed ({code}):\n{BuildLog}");
        }
    }

    public (int Code, string Out, string Err) Training(string? libtorch, params string[] args) =>
        Cli.Run("dotnet", [TrainingDll, .. args], new() { ["T2I_LIBTORCH"] = libtorch }, timeoutMs: 300_000);
}

public class ExternalBackendTests(ExternalBuild build) : IClassFixture<ExternalBuild>
{
    [Fact]
    public void TheExternalBuildShipsNoLibTorch()
    {
        var output = Path.GetDirectoryName(build.TrainingDll)!;
        var shipped = Directory.EnumerateFiles(output, "libtorch*.so", SearchOption.AllDirectories).ToList();
        Assert.Empty(shipped);
        Assert.Single(Directory.EnumerateFiles(output, "libLibTorchSharp.so", SearchOption.AllDirectories));
    }

    [Fact]
    public void PointedAtTheBundledLibTorchItComputesWhatTheBundledBuildComputesBitForBit()
    {
        var external = build.Training(build.BundledLibTorch, "backend-check", "--device", "cpu");
        Assert.True(external.Code == 0, external.Out + external.Err);
        Assert.Contains($"libtorch 2.10.0 (cpu) from {build.BundledLibTorch}", external.Out);
        var bundled = Cli.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "training.dll"), "backend-check", "--device", "cpu"],
            new() { ["T2I_LIBTORCH"] = null }, timeoutMs: 300_000);
        Assert.True(bundled.Code == 0, bundled.Out + bundled.Err);

        // matmul, conv, backward, SDPA, one AdamW step of a tiny DiT, a whole sampled PNG: the same bits from the same library.
        var a = Figures(external.Out);
        var b = Figures(bundled.Out);
        foreach (var key in new[] { "matmul_sum", "conv_sum", "grad_norm", "sdpa_max_error", "dit_loss", "dit_param_sum", "png_sha256" })
            Assert.True(a[key].ToString() == b[key].ToString(), $"{key}: external {a[key]} vs bundled {b[key]}");
        Assert.NotEqual(a["libtorch"].ToString(), b["libtorch"].ToString());
    }

    [Fact]
    public void WithoutT2ILibTorchItSaysWhatToSetInOneLine()
    {
        var (line, stdout, _) = RefusedInOneLine(null);
        Assert.Equal("", stdout);
        Assert.StartsWith("t2i: this build ships no libtorch", line);
        Assert.Contains("T2I_LIBTORCH", line);
    }

    [Fact]
    public void AFolderWithoutLibTorchIsNamed()
    {
        using var empty = new TempDir();
        var (code, _, stderr) = build.Training(empty.Path, "backend-check");
        Assert.Equal(3, code);
        Assert.Equal($"t2i: T2I_LIBTORCH={empty.Path} holds no libc10.so: not a libtorch folder.", stderr.Trim());
    }

    [Fact]
    public void ALibTorchOfAnotherVersionIsRefusedByTheVersionItStates()
    {
        using var fake = FakeLibTorch("2.9.1+cu126");
        var (line, _, stderr) = RefusedInOneLine(fake.Path);
        Assert.Contains($"holds libtorch 2.9.1+cu126; TorchSharp 0.107 needs 2.10.x", line);
        Assert.DoesNotContain("   at ", stderr); // no stack trace
    }

    [Fact]
    public void AMissingSymbolFailsAtLoadWithImmediateBindingNotAtFirstCall()
    {
        // Says 2.10.0 but exports none of libtorch's API: the shim's RTLD_NOW load must fail before any command runs.
        using var fake = FakeLibTorch("2.10.0");
        var (line, stdout, _) = RefusedInOneLine(fake.Path, "presets");
        Assert.Equal("", stdout);
        Assert.Contains("libLibTorchSharp.so does not bind to libtorch 2.10.0", line);
        Assert.Contains("undefined symbol", line);
    }

    [Fact]
    public void TheGpuCheckScriptRunsEveryCheckOnTheCpuThroughTheExternalBackend()
    {
        // The bundle's script at tiny sizes (QUICK=1) on the CPU: each command it runs on a GPU machine exists and works.
        var env = new Dictionary<string, string?>
        {
            ["BIN"] = Path.GetDirectoryName(build.TrainingDll), ["DATAPREP_BIN"] = build.DataPrepDir,
            ["T2I_LIBTORCH"] = build.BundledLibTorch,
            ["DEVICE"] = "cpu", ["QUICK"] = "1",
        };
        var (code, stdout, stderr) = Cli.Run("bash", [Path.Combine(build.Repo, "infra/gpu/run-checks.sh")], env, timeoutMs: 600_000);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("run-checks: all checks ran", stdout);
        Assert.Contains($"libtorch 2.10.0 (cpu) from {build.BundledLibTorch}", stdout);
        Assert.Contains("Done: t2i-tiny reached step 3.", stdout);
        Assert.Contains("preset t2i-256 on cpu", stdout);
        Assert.Contains("bf16 GEMM 256³", stdout);
        Assert.Contains("sampling 512x512, 2 DDIM steps with CFG on cpu", stdout);
    }

    /// <summary>Runs a command against <paramref name="libtorch"/>: it must stop with exit 3 and exactly one line on stderr.</summary>
    private (string Line, string Stdout, string Stderr) RefusedInOneLine(string? libtorch, string command = "backend-check")
    {
        var (code, stdout, stderr) = build.Training(libtorch, command);
        Assert.Equal(3, code);
        return (Assert.Single(stderr.Trim().Split('\n')), stdout, stderr);
    }

    /// <summary>libc10.so, libtorch.so (empty) and a libtorch_cpu.so that states <paramref name="version"/>, built with g++.</summary>
    private static TempDir FakeLibTorch(string version)
    {
        var dir = new TempDir();
        string source = Path.Combine(AppContext.BaseDirectory, "Backend", "fake_libtorch.cpp");
        string empty = dir.Sub("empty.cpp");
        File.WriteAllText(empty, "");
        foreach (var (lib, src, defines) in new[] { ("libc10.so", empty, ""), ("libtorch.so", empty, ""),
                     ("libtorch_cpu.so", source, $"-DFAKE_TORCH_VERSION=\"{version}\"") })
        {
            var args = new List<string> { "-shared", "-fPIC", "-o", dir.Sub(lib), $"-Wl,-soname,{lib}", src };
            if (defines.Length > 0) args.Add(defines);
            var (code, o, e) = Cli.Run("g++", args, env: null, timeoutMs: 120_000);
            Assert.True(code == 0, $"g++ {lib}: {o}{e}");
        }
        return dir;
    }

    private static Dictionary<string, JsonElement> Figures(string stdout) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(stdout.Split('\n').Single(l => l.StartsWith('{')))!;
}

/// <summary>Runs a process to its end with captured output and a bounded wait.</summary>
internal static class Cli
{
    public static (int Code, string Out, string Err) Run(string file, IEnumerable<string> args, Dictionary<string, string?>? env,
        int timeoutMs)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? []) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { p.Kill(entireProcessTree: true); throw new TimeoutException($"{file} ran past {timeoutMs} ms"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}

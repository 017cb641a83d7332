using T2I.Core;
using T2I.Core.Distributed;
using T2I.Training.Loop;

namespace T2I.Training.Commands;

/// <summary>
/// One rank of `training launch`: joins the collective its launcher set up (none, mpirun, torchrun-style variables),
/// trains, and — when it fails while other ranks wait in a collective — aborts the whole job instead of leaving them hung.
/// </summary>
internal static class RankRun
{
    public static async Task<int> Run(Preset preset, string runDir, string deviceName, RankEnvironment env, TextWriter output,
        TextWriter error, CancellationToken cancel)
    {
        bool cuda = deviceName.StartsWith("cuda", StringComparison.Ordinal)
            || (deviceName == "auto" && TorchRuntime.ResolveDevice("auto").type == TorchSharp.DeviceType.CUDA);
        // Each rank of a machine on its own GPU.
        if (cuda && env.WorldSize > 1 && !deviceName.Contains(':', StringComparison.Ordinal)) deviceName = $"cuda:{env.LocalRank}";
        using var collective = Collectives.Create(env, cuda, error.WriteLine);
        if (collective.WorldSize == 1) return await LaunchCommand.Run(preset, runDir, deviceName, collective, output, error, cancel);
        // Rank 0 speaks for the job; the others report only their warnings and errors, tagged.
        var quiet = collective.Rank == 0 ? output : TextWriter.Null;
        var tagged = new PrefixWriter(error, $"[rank {collective.Rank}] ");
        int code;
        try { code = await LaunchCommand.Run(preset, runDir, deviceName, collective, quiet, tagged, cancel); }
        catch (Exception e)
        {
            tagged.WriteLine($"error: {e}");
            code = 1;
        }
        if (code != 0 && collective is MpiCollective mpi) mpi.Abort(code);
        return code;
    }

    /// <summary>Prefixes every line (rank tags in the merged output of mpirun).</summary>
    private sealed class PrefixWriter(TextWriter inner, string prefix) : TextWriter
    {
        public override System.Text.Encoding Encoding => inner.Encoding;
        public override void WriteLine(string? value) => inner.WriteLine(prefix + value);
        public override void Write(char value) => inner.Write(value);
    }
}

using System.CommandLine;
using System.Globalization;
using T2I.Core.Distributed;
using T2I.Training.Loop;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training collective-bench</c>: checks every collective of this process's backend against closed-form results,
/// then prints all-reduce time and GB/s per message size (rank 0). Run it under mpirun, or with <c>--nproc N</c>.
/// </summary>
public static class CollectiveBenchCommand
{
    public static Command Build()
    {
        var sizes = new Option<string>("--sizes")
        {
            Description = "Comma-separated message sizes.", DefaultValueFactory = _ => "4KiB,64KiB,1MiB,16MiB,64MiB",
        };
        var seconds = new Option<double>("--seconds") { Description = "Time per size.", DefaultValueFactory = _ => 0.5 };
        var nproc = new Option<int>("--nproc")
        {
            Description = "Ranks on this machine, started through mpirun.", DefaultValueFactory = _ => 1,
        };
        var cuda = new Option<bool>("--cuda") { Description = "Reduce CUDA buffers (NCCL where libnccl.so.2 loads)." };
        var command = new Command("collective-bench", "Verify and time the data-parallel collectives (all-reduce GB/s per size).")
        {
            sizes, seconds, nproc, cuda,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var env = RankEnvironment.FromEnvironment();
            int ranks = parse.GetValue(nproc);
            if (ranks > 1 && !env.UnderMpirun)
            {
                var again = LocalMpirun.CurrentProgram();
                again.AddRange(["collective-bench", "--sizes", parse.GetValue(sizes)!, "--seconds",
                    parse.GetValue(seconds).ToString(CultureInfo.InvariantCulture)]);
                if (parse.GetValue(cuda)) again.Add("--cuda");
                return new LocalMpirun(ranks).Run(again);
            }
            // One torch thread per rank: idle OpenMP workers spin and take the core the peer rank polls MPI on.
            T2I.Core.TorchRuntime.SetThreads(1);
            var bytes = parse.GetValue(sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ByteSize.Parse).ToList();
            using var c = Collectives.Create(env, parse.GetValue(cuda), parse.InvocationConfiguration.Error.WriteLine);
            CollectiveBenchmark.Verify(c);
            var figures = CollectiveBenchmark.AllReduce(c, bytes, parse.GetValue(seconds));
            if (c.Rank != 0) return 0;
            output.WriteLine($"{c.Backend}, {c.WorldSize} rank(s): broadcast, all-gather and all-reduce sum/mean/max verified");
            output.WriteLine($"{"size",12} {"calls",6} {"time/call",12} {"algbw GB/s",11} {"busbw GB/s",11}");
            foreach (var f in figures)
                output.WriteLine($"{f.Bytes,12:N0} {f.Iterations,6} {f.SecondsPerCall * 1e6,9:0.0} µs {f.AlgorithmGBps,11:0.000} " +
                    $"{f.BusGBps,11:0.000}");
            return 0;
        });
        return command;
    }
}

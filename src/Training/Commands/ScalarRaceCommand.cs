using System.CommandLine;
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training scalar-race</c>: a diagnostic for the TorchSharp Scalar lifetime race (see <see cref="ScalarSafe"/>).
/// One thread computes (1 + x)·x + x, or three AdamW steps, in a loop — with TorchSharp's implicit Scalars, or with
/// ScalarSafe's forms / SafeAdamW — while a
/// second thread forces garbage collections. Counts the calls that threw or returned a wrong sum. A race, so the
/// implicit count varies run to run (it is a figure, not a test); the ScalarSafe forms must report 0.
/// </summary>
public static class ScalarRaceCommand
{
    public static Command Build()
    {
        var seconds = new Option<double>("--seconds") { Description = "Seconds per variant.", DefaultValueFactory = _ => 20 };
        var command = new Command("scalar-race",
            "Diagnostic: count failures of implicit-Scalar arithmetic vs ScalarSafe while another thread forces GCs.")
        {
            seconds,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            double limit = parse.GetValue(seconds);
            T2I.Core.TorchRuntime.SetThreads(1);
            foreach (var (name, op) in new (string, Func<Tensor, Tensor>)[]
                     {
                         ("implicit  (1 + x) * x + x", x => (1 + x) * x + x),
                         ("ScalarSafe x.OnePlus()…Plus", x => x.OnePlus().mul(x).Plus(x)),
                         ("TorchSharp AdamW, 3 steps", x => ThreeSteps(x, p => optim.AdamW(p, 0.01))),
                         ("SafeAdamW, 3 steps", x => ThreeSteps(x, p => new SafeAdamW(p, 0.01))),
                     })
            {
                var (calls, failures) = Race(op, limit);
                output.WriteLine($"{name}: {failures} failures in {calls} calls ({limit:0} s, GC thread running)");
            }
            return 0;
        });
        return command;
    }

    /// <summary>Three optimizer steps from x with gradient x (the gradient of sum(p·x)); returns the parameters.</summary>
    private static Tensor ThreeSteps(Tensor x, Func<IEnumerable<TorchSharp.Modules.Parameter>, optim.Optimizer> optimizer)
    {
        var p = nn.Parameter(x.clone());
        using var opt = optimizer([p]);
        for (int i = 0; i < 3; i++)
        {
            opt.zero_grad();
            p.mul(x).sum().backward();
            opt.step();
        }
        return p.detach();
    }

    private static (long Calls, long Failures) Race(Func<Tensor, Tensor> op, double seconds)
    {
        using var x = arange(0, 4096, 1, dtype: ScalarType.Float32).reshape(16, 256).div_(4096);
        float expected;
        using (var reference = op(x)) expected = reference.sum().item<float>();
        bool stop = false;
        var collector = new Thread(() =>
            { while (!Volatile.Read(ref stop)) { GC.Collect(); GC.WaitForPendingFinalizers(); } })
        { IsBackground = true };
        collector.Start();
        long calls = 0, failures = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            using var scope = NewDisposeScope();
            calls++;
            try
            {
                if (op(x).sum().item<float>() != expected) failures++;
            }
            catch (Exception) { failures++; }
        }
        Volatile.Write(ref stop, true);
        collector.Join();
        return (calls, failures);
    }
}

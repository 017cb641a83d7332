using System.Runtime.InteropServices;

namespace T2I.Core.TorchSharpFixes;

/// <summary>
/// Switches libtorch's oneDNN (mkldnn) convolutions off, process-wide. Measured with libtorch-cpu 2.10 (oneDNN
/// 3.7.1) through TorchSharp 0.107 on this CPU: whenever a channel count is not a multiple of oneDNN's channel
/// block (16, for strided kernels also 32/48), the padding of the blocked layouts is read as data — the input
/// gradient of e.g. the decoder's RGB head or a discriminator's logit conv is wrong (often NaN, changing between
/// calls), the forward output is wrong for e.g. 20 input channels, and 1×1 strided convs with 2 input channels in
/// channels-last corrupt the heap. Weight and bias gradients were always right. With oneDNN off every case is
/// exact and repeatable, but the native path is 5–40× slower; <see cref="OneDnnConv2d"/> takes oneDNN back for
/// the layouts that were verified. TorchSharp has no binding for <c>torch.backends.mkldnn.enabled</c>, so the
/// C++ setter is called directly; where the symbol is absent (other builds, CUDA) nothing changes.
/// <c>T2I_ONEDNN=1</c> keeps oneDNN on.
/// </summary>
public static class OneDnnWorkaround
{
    private static int applied;

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.I1)]
    private static extern bool UserEnabledMkldnn(IntPtr context);

    /// <summary>True when oneDNN convolutions are off (after <see cref="Apply"/> on a libtorch-cpu build).</summary>
    public static bool IsOneDnnDisabled { get; private set; }

    private static readonly Lock scopeLock = new();
    private static int openScopes;

    /// <summary>
    /// Turns oneDNN on until the returned scope is disposed; the last open scope turns it off again. The switch
    /// is process-wide: a native-path convolution running on another thread inside such a window would take
    /// oneDNN too, so only <see cref="OneDnnConv2d"/> opens it, for the shapes it made safe, around single
    /// convolutions of a training step (one thread per process). Null where oneDNN is not switched off here
    /// (T2I_ONEDNN=1, other builds): then there is nothing to turn on.
    /// </summary>
    internal static IDisposable? EnableTemporarily()
    {
        Apply();
        if (!IsOneDnnDisabled) return null;
        lock (scopeLock)
        {
            if (openScopes++ == 0) SetUserEnabledMkldnn(GlobalContext(), true);
        }
        return new OneDnnScope();
    }

    /// <summary>The current value of libtorch's switch (tests check that no scope leaks it on).</summary>
    internal static bool IsOneDnnOnNow() => UserEnabledMkldnn(GlobalContext());

    private sealed class OneDnnScope : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 1) return;
            lock (scopeLock)
            {
                if (--openScopes == 0) SetUserEnabledMkldnn(GlobalContext(), false);
            }
        }
    }

    /// <summary>Idempotent; called by the modules whose gradients depend on it.</summary>
    public static void Apply()
    {
        if (Interlocked.Exchange(ref applied, 1) == 1) return;
        if (Environment.GetEnvironmentVariable("T2I_ONEDNN") == "1") return;
        try
        {
            _ = TorchSharp.torch.zeros(1); // make sure the natives are loaded
            var context = GlobalContext();
            SetUserEnabledMkldnn(context, false);
            // Without oneDNN, torch tries NNPACK next, which on this CPU only prints "Could not initialize" per call.
            SetUserEnabledNnpack(context, false);
            IsOneDnnDisabled = !UserEnabledMkldnn(context);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            IsOneDnnDisabled = false; // not a libtorch-cpu build with this ABI: nothing to work around here
        }
    }
}

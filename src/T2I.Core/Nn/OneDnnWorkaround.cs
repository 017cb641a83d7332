using System.Runtime.InteropServices;

namespace T2I.Core.Nn;

/// <summary>
/// Switches libtorch's oneDNN (mkldnn) convolutions off, process-wide. Measured with libtorch-cpu 2.10 through
/// TorchSharp 0.107: the input gradient of CPU convolutions computed by oneDNN is wrong at random — NaN, or
/// values that change between identical calls — most often for layers with few output channels (the decoder's
/// RGB head, the discriminator's logit conv, LPIPS's 1×1 layers), which corrupts every tokenizer loss.
/// With oneDNN off the same calls are exact and repeatable; the native convolution path is slower for wide
/// convolutions (measured ≈ 3–6× for 64→64 3×3 on 2 cores), a price paid for correct gradients.
/// TorchSharp has no binding for <c>torch.backends.mkldnn.enabled</c>, so the C++ setter is called directly;
/// where the symbol is absent (other builds, CUDA) nothing changes. <c>T2I_ONEDNN=1</c> keeps oneDNN on.
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

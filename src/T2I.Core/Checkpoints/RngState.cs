using TorchSharp;

namespace T2I.Core.Checkpoints;

/// <summary>
/// The torch CPU generator's state as base64 text, so a checkpoint's config.json can carry it and a resumed
/// run draws the same random numbers the uninterrupted run would have drawn.
/// </summary>
/// <remarks>TorchSharp 0.107 exposes no CUDA generator state; CUDA-side randomness is reseeded, not restored.</remarks>
public static class RngState
{
    public static string Capture()
    {
        using var state = torch.get_rng_state();
        return Convert.ToBase64String(state.data<byte>().ToArray());
    }

    public static void Restore(string base64)
    {
        byte[] bytes;
        try { bytes = Convert.FromBase64String(base64); }
        catch (FormatException e) { throw new InvalidDataException("RNG state in the checkpoint is not valid base64.", e); }
        using var state = torch.tensor(bytes, dtype: torch.ScalarType.Byte);
        torch.set_rng_state(state);
    }
}

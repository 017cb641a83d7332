using T2I.Core.Inference;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Inference;

public class DctPatchCodecTests
{
    [Fact]
    public void BasisIsOrthonormalAndFlatColoursRoundTripExactly()
    {
        using var scope = NewDisposeScope();
        var codec = new DctPatchCodec();
        var roundTrip = codec.Encode(codec.Decode(eye(32).reshape(32, 32, 1, 1) / 16).clamp(-1, 1));
        // encode(decode(e_i)) = e_i for unit latents small enough not to clip
        Assert.True(allclose(roundTrip.reshape(32, 32), eye(32) / 16, 1e-4, 1e-5));
        var image = zeros(1, 3, 32, 48);
        image[0, 0] = tensor(0.8f); image[0, 1] = tensor(-0.3f); image[0, 2] = tensor(0.1f);
        var latents = codec.Encode(image);
        Assert.Equal(new long[] { 1, 32, 2, 3 }, latents.shape);
        Assert.True(allclose(codec.Decode(latents), image, 1e-4, 1e-4));
        Assert.Equal(0.8f, latents[0, 0, 0, 0].item<float>(), 4); // DC of the red channel, unit scaled
    }
}

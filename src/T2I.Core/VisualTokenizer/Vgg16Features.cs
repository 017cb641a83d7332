using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// VGG16's convolutional trunk cut into LPIPS's five slices ending at relu1_2, relu2_2, relu3_3, relu4_3, relu5_3.
/// Children keep torchvision's <c>features</c> indices (<c>slice1.0</c>, <c>slice1.2</c>, <c>slice2.5</c>, …) so
/// upstream weights map one to one.
/// </summary>
public sealed class Vgg16Features : nn.Module<Tensor, Tensor[]>
{
    /// <summary>Convolutions per slice in VGG16.</summary>
    public static readonly int[] ConvsPerSlice = { 2, 2, 3, 3, 3 };

    private readonly Sequential slice1, slice2, slice3, slice4, slice5;

    public Vgg16Features(IReadOnlyList<int> widths) : base(nameof(Vgg16Features))
    {
        if (widths.Count != 5) throw new ArgumentException("VGG16 has five stages.");
        var slices = new Sequential[5];
        int index = 0, inChannels = 3;
        for (int s = 0; s < 5; s++)
        {
            var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
            if (s > 0) layers.Add(((index++).ToString(), nn.MaxPool2d(2, 2)));
            for (int c = 0; c < ConvsPerSlice[s]; c++)
            {
                layers.Add(((index++).ToString(), nn.Conv2d(inChannels, widths[s], 3, padding: 1)));
                layers.Add(((index++).ToString(), nn.ReLU()));
                inChannels = widths[s];
            }
            slices[s] = nn.Sequential(layers);
        }
        (slice1, slice2, slice3, slice4, slice5) = (slices[0], slices[1], slices[2], slices[3], slices[4]);
        RegisterComponents();
    }

    /// <summary>torchvision <c>features.N</c> index → this module's slice (1-based), for loading VGG16 weights.</summary>
    public static int SliceOf(int featuresIndex) => featuresIndex switch
    {
        < 4 => 1,
        < 9 => 2,
        < 16 => 3,
        < 23 => 4,
        < 30 => 5,
        _ => throw new ArgumentOutOfRangeException(nameof(featuresIndex), "VGG16 features end at index 29."),
    };

    public override Tensor[] forward(Tensor x)
    {
        var outputs = new Tensor[5];
        var h = x;
        Sequential[] slices = { slice1, slice2, slice3, slice4, slice5 };
        for (int s = 0; s < 5; s++) outputs[s] = h = slices[s].forward(h);
        return outputs;
    }
}

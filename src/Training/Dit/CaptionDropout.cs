using T2I.Core.TorchSharpFixes;
using static TorchSharp.torch;

namespace T2I.Training.Dit;

/// <summary>
/// What a DiT step trains on as text: with probability <paramref name="DropRate"/> the empty caption (so the model
/// learns the unconditional velocity that classifier-free guidance needs), else with probability
/// <paramref name="ShortRate"/> the short caption where the row has one, else the caption. Draws come from torch's
/// global generator, the drop draw first; the short draw only when <paramref name="ShortRate"/> &gt; 0, so runs
/// without short captions keep their random stream.
/// </summary>
public sealed record CaptionDropout(double DropRate, double ShortRate = 0)
{
    public List<string> Apply(IReadOnlyList<string> captions, IReadOnlyList<string?> shortCaptions)
    {
        int n = captions.Count;
        var drop = rand(n).LessThan(DropRate).data<bool>().ToArray();
        var shorten = ShortRate > 0 ? rand(n).LessThan(ShortRate).data<bool>().ToArray() : new bool[n];
        return captions.Select((c, i) => drop[i] ? "" : shorten[i] && shortCaptions[i] is { } s ? s : c).ToList();
    }
}

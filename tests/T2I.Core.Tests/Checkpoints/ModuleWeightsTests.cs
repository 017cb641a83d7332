using T2I.Core.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Checkpoints;

public sealed class ModuleWeightsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2i-mw-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);
    private string PathOf(string name) => Path.Combine(_dir, name);

    private sealed class Attention : nn.Module<Tensor, Tensor>
    {
        private readonly Linear qkv, proj;
        public Attention(int dim) : base(nameof(Attention))
        {
            qkv = nn.Linear(dim, 3 * dim);
            proj = nn.Linear(3 * dim, dim);
            RegisterComponents();
        }
        public override Tensor forward(Tensor x) => proj.forward(qkv.forward(x));
    }

    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        private readonly LayerNorm norm1;
        private readonly Attention attn;
        public Block(int dim) : base(nameof(Block))
        {
            norm1 = nn.LayerNorm(dim);
            attn = new Attention(dim);
            RegisterComponents();
        }
        public override Tensor forward(Tensor x) => x + attn.forward(norm1.forward(x));
    }

    private sealed class TinyNet : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d stem;
        private readonly BatchNorm2d bn;
        private readonly ModuleList<Block> blocks;
        private readonly Linear head;
        public TinyNet(int dim = 8, int headOut = 4) : base(nameof(TinyNet))
        {
            stem = nn.Conv2d(3, dim, 3, padding: 1);
            bn = nn.BatchNorm2d(dim);
            blocks = nn.ModuleList(new Block(dim), new Block(dim));
            head = nn.Linear(dim, headOut);
            RegisterComponents();
        }
        public override Tensor forward(Tensor x)
        {
            var h = bn.forward(stem.forward(x)).mean([2, 3]);
            foreach (var b in blocks) h = b.forward(h);
            return head.forward(h);
        }
    }

    private static TinyNet Net(int seed, int headOut = 4)
    {
        torch.manual_seed(seed);
        var net = new TinyNet(headOut: headOut);
        using (no_grad())
            foreach (var (_, buffer) in net.named_buffers())
                if (buffer.is_floating_point()) buffer.copy_(rand(buffer.shape));
        return net;
    }

    private static void AssertSameState(nn.Module expected, nn.Module actual)
    {
        var a = expected.state_dict();
        var b = actual.state_dict();
        Assert.Equal(a.Keys, b.Keys);
        foreach (var key in a.Keys)
            Assert.True(a[key].to(ScalarType.Float64).equal(b[key].to(ScalarType.Float64)).all().item<bool>(), key);
    }

    [Fact]
    public void SavesUnderExactNestedNamesIncludingBuffers()
    {
        string path = PathOf("net.safetensors");
        ModuleWeights.Save(Net(1), path, new Dictionary<string, string> { ["step"] = "7" });
        using var file = SafeTensorsFile.Open(path);
        var keys = file.Keys.ToHashSet();
        foreach (var k in new[] { "blocks.0.attn.qkv.weight", "blocks.1.attn.proj.bias", "blocks.0.norm1.weight",
                                  "stem.weight", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked", "head.bias" })
            Assert.Contains(k, keys);
        Assert.Equal(new long[] { 24, 8 }, file.GetEntry("blocks.0.attn.qkv.weight").Shape);
        Assert.Equal(SafeTensorsDType.I64, file.GetEntry("bn.num_batches_tracked").DType);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("7", file.Metadata["step"]);
    }

    [Fact]
    public void LoadRestoresEveryParameterAndBufferInPlace()
    {
        using var scope = NewDisposeScope();
        string path = PathOf("net.safetensors");
        var source = Net(1);
        ModuleWeights.Save(source, path);

        var target = Net(2);
        var qkv = target.state_dict()["blocks.1.attn.qkv.weight"];
        Assert.False(qkv.equal(source.state_dict()["blocks.1.attn.qkv.weight"]).all().item<bool>());

        var report = ModuleWeights.Load(target, path);
        Assert.True(report.IsExact);
        Assert.Equal(target.state_dict().Count, report.Loaded.Count);
        AssertSameState(source, target);
        // Same Parameter object, still trainable: the copy went into the existing storage.
        Assert.Same(qkv, target.state_dict()["blocks.1.attn.qkv.weight"]);
        Assert.True(qkv.requires_grad);
        var x = randn(2, 3, 5, 5);
        source.eval(); target.eval();
        Assert.True(source.forward(x).allclose(target.forward(x)));
    }

    [Fact]
    public void SequentialNamesRoundTrip()
    {
        using var scope = NewDisposeScope();
        string path = PathOf("seq.safetensors");
        torch.manual_seed(3);
        var a = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2));
        ModuleWeights.Save(a, path);
        using (var f = SafeTensorsFile.Open(path))
            Assert.Equal(new[] { "0.bias", "0.weight", "2.bias", "2.weight" }, f.Keys.Order());
        var b = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2));
        ModuleWeights.Load(b, path);
        AssertSameState(a, b);
    }

    [Fact]
    public void StrictLoadThrowsListingMissingUnexpectedAndMismatchedKeysAndChangesNothing()
    {
        using var scope = NewDisposeScope();
        string path = PathOf("partial.safetensors");
        var sd = Net(1, headOut: 5).state_dict();
        var written = sd.Where(kv => kv.Key != "stem.bias").Append(new("extra.weight", ones(3))).ToList();
        SafeTensors.Save(path, written);

        var target = Net(2);
        // A copy, not a second Net(2): other test classes draw from the global generator in parallel.
        var before = Net(3);
        before.load_state_dict(target.state_dict());
        var e = Assert.Throws<WeightLoadException>(() => ModuleWeights.Load(target, path));
        Assert.Equal(new[] { "stem.bias" }, e.Report.Missing);
        Assert.Equal(new[] { "extra.weight" }, e.Report.Unexpected);
        Assert.Equal(new[] { "head.bias", "head.weight" }, e.Report.ShapeMismatches.Select(m => m.Key).Order());
        Assert.Contains("stem.bias", e.Message);
        Assert.Contains("extra.weight", e.Message);
        Assert.Contains("head.weight: module [4, 8] vs file [5, 8]", e.Message);
        AssertSameState(before, target);
    }

    [Fact]
    public void NonStrictLoadCopiesWhatMatchesAndReportsTheRest()
    {
        using var scope = NewDisposeScope();
        string path = PathOf("partial.safetensors");
        var source = Net(1, headOut: 5);
        var sd = source.state_dict();
        SafeTensors.Save(path, sd.Where(kv => kv.Key != "stem.bias").Append(new("extra.weight", ones(3))));

        var target = Net(2);
        var untouchedBias = target.state_dict()["stem.bias"].clone();
        var untouchedHead = target.state_dict()["head.weight"].clone();
        var report = ModuleWeights.Load(target, path, strict: false);
        Assert.False(report.IsExact);
        Assert.Equal(sd.Count - 3, report.Loaded.Count);
        Assert.Equal(new[] { "stem.bias" }, report.Missing);
        Assert.Equal(new[] { "extra.weight" }, report.Unexpected);
        Assert.Equal(2, report.ShapeMismatches.Count);
        Assert.True(target.state_dict()["stem.bias"].equal(untouchedBias).all().item<bool>());
        Assert.True(target.state_dict()["head.weight"].equal(untouchedHead).all().item<bool>());
        Assert.True(target.state_dict()["stem.weight"].equal(sd["stem.weight"]).all().item<bool>());
    }

    [Fact]
    public void KeyMapRenamesAndSkipsUpstreamKeys()
    {
        using var scope = NewDisposeScope();
        string path = PathOf("upstream.safetensors");
        var source = Net(1);
        // An "upstream" file: everything under a "model." prefix plus training-only tensors.
        SafeTensors.Save(path, source.state_dict().Select(kv => KeyValuePair.Create("model." + kv.Key, kv.Value))
            .Append(new("loss_scaler", ones(1))));

        var target = Net(2);
        var report = ModuleWeights.Load(target, path, strict: true,
            map: k => k.StartsWith("model.", StringComparison.Ordinal) ? k[6..] : null);
        Assert.True(report.IsExact);
        Assert.Equal(new[] { "loss_scaler" }, report.Skipped);
        AssertSameState(source, target);
    }

    [Fact]
    public void ConvertsFileDTypeToTheParameterDType()
    {
        using var scope = NewDisposeScope();
        string path = PathOf("half.safetensors");
        torch.manual_seed(4);
        var half = nn.Linear(5, 3);
        half.to(ScalarType.BFloat16);
        ModuleWeights.Save(half, path);
        using (var f = SafeTensorsFile.Open(path)) Assert.Equal(SafeTensorsDType.BF16, f.GetEntry("weight").DType);

        var full32 = nn.Linear(5, 3);
        ModuleWeights.Load(full32, path);
        Assert.Equal(ScalarType.Float32, full32.weight!.dtype);
        Assert.Equal(half.weight!.to(ScalarType.Float32).data<float>().ToArray(), full32.weight.data<float>().ToArray());
    }
}

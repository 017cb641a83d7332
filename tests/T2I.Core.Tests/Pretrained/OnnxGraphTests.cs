using System.Text;
using T2I.Core.Pretrained.Onnx;

namespace T2I.Core.Tests.Pretrained;

/// <summary>The reader on tiny ModelProtos written here field by field: the encodings exporters choose between.</summary>
public sealed class OnnxGraphTests
{
    private static byte[] Varint(ulong v)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(v & 0x7F);
            v >>= 7;
            bytes.Add(v == 0 ? b : (byte)(b | 0x80));
        } while (v != 0);
        return bytes.ToArray();
    }

    private static byte[] Field(int number, byte[] payload) =>
        Varint((ulong)(number << 3 | 2)).Concat(Varint((ulong)payload.Length)).Concat(payload).ToArray();

    private static byte[] Field(int number, ulong value) => Varint((ulong)(number << 3)).Concat(Varint(value)).ToArray();

    private static byte[] Text(int number, string s) => Field(number, Encoding.UTF8.GetBytes(s));

    private static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static byte[] Model(params byte[][] graphFields) =>
        Cat(Field(1, 8), Text(2, "test"), Field(7, Cat(graphFields)));

    [Fact]
    public void ReadsRawAndPackedFloatsUnpackedDimsAndConstantNodes()
    {
        var raw = Cat(Field(1, 2), Field(1, 3), Field(2, OnnxTensor.Float32), Text(8, "w"), Field(14, 0),
            Field(9, Enumerable.Range(0, 6).SelectMany(i => BitConverter.GetBytes(i * 0.5f)).ToArray()));
        var packedDims = Cat(Field(1, Cat(Varint(2))), Field(2, OnnxTensor.Float32), Text(8, "b"),
            Field(4, BitConverter.GetBytes(1.5f).Concat(BitConverter.GetBytes(-2f)).ToArray()));
        var constant = Cat(Text(2, "c"), Text(4, "Constant"),
            Field(5, Cat(Text(1, "value"), Field(5, Cat(Field(1, 1), Field(2, OnnxTensor.Int64), Field(7, 7))))));
        var conv = Cat(Text(1, "x"), Text(1, "w"), Text(2, "y"), Text(3, "conv0"), Text(4, "Conv"),
            Field(5, Cat(Text(1, "pads"), Field(8, Cat(Varint(1), Varint(1), Varint(0), Varint(0))))));
        var graph = OnnxGraph.Read(Model(Field(1, constant), Field(1, conv), Field(5, raw), Field(5, packedDims),
            Field(11, Text(1, "x")), Field(11, Text(1, "w")), Field(12, Text(1, "y"))), "test");

        Assert.Equal(new[] { "x" }, graph.Inputs); // initializers listed as inputs are not graph inputs
        Assert.Equal(new[] { "y" }, graph.Outputs);
        Assert.Equal(new long[] { 2, 3 }, graph.Tensor("w").Dims);
        Assert.Equal(new[] { 0f, 0.5f, 1f, 1.5f, 2f, 2.5f }, graph.Tensor("w").Floats);
        Assert.Equal(new[] { 1.5f, -2f }, graph.Tensor("b").Floats);
        Assert.Equal(new long[] { 7 }, graph.Tensor("c").Int64s);
        Assert.Equal(new long[] { 1, 1, 0, 0 }, graph.Nodes.Single(n => n.OpType == "Conv").Ints("pads"));
    }

    [Fact]
    public void ExternalDataAndTruncatedFilesAreRefusedWithAReason()
    {
        var external = Cat(Field(1, 4), Field(2, OnnxTensor.Float32), Text(8, "big"), Field(14, 1));
        var error = Assert.Throws<InvalidDataException>(() => OnnxGraph.Read(Model(Field(5, external)), "m.onnx"));
        Assert.Contains("external data", error.Message);

        var whole = Model(Field(5, Cat(Field(2, OnnxTensor.Float32), Text(8, "w"))));
        Assert.Throws<InvalidDataException>(() => OnnxGraph.Read(whole.AsSpan(0, whole.Length - 2), "cut.onnx"));
        Assert.Throws<InvalidDataException>(() => OnnxGraph.Read(Cat(Field(1, 8)), "empty.onnx"));
    }
}

using static TorchSharp.torch;

namespace T2I.Core.Checkpoints;

/// <summary>The element types of the safetensors format that map onto a TorchSharp <see cref="ScalarType"/>.</summary>
public enum SafeTensorsDType
{
    F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL,
}

/// <summary>Conversions between safetensors dtype names, <see cref="SafeTensorsDType"/> and <see cref="ScalarType"/>.</summary>
public static class SafeTensorsDTypes
{
    /// <summary>The header spelling ("F32", "BF16", ...).</summary>
    public static string Name(this SafeTensorsDType dtype) => dtype.ToString();

    /// <summary>Parses a header dtype string; spellings are case-sensitive as in the upstream format.</summary>
    public static bool TryParse(string name, out SafeTensorsDType dtype)
    {
        dtype = name switch
        {
            "F64" => SafeTensorsDType.F64,
            "F32" => SafeTensorsDType.F32,
            "F16" => SafeTensorsDType.F16,
            "BF16" => SafeTensorsDType.BF16,
            "I64" => SafeTensorsDType.I64,
            "I32" => SafeTensorsDType.I32,
            "I16" => SafeTensorsDType.I16,
            "I8" => SafeTensorsDType.I8,
            "U8" => SafeTensorsDType.U8,
            "BOOL" => SafeTensorsDType.BOOL,
            _ => (SafeTensorsDType)(-1),
        };
        return (int)dtype >= 0;
    }

    public static int ElementSize(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F64 or SafeTensorsDType.I64 => 8,
        SafeTensorsDType.F32 or SafeTensorsDType.I32 => 4,
        SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.I16 => 2,
        _ => 1,
    };

    public static ScalarType ToScalarType(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F64 => ScalarType.Float64,
        SafeTensorsDType.F32 => ScalarType.Float32,
        SafeTensorsDType.F16 => ScalarType.Float16,
        SafeTensorsDType.BF16 => ScalarType.BFloat16,
        SafeTensorsDType.I64 => ScalarType.Int64,
        SafeTensorsDType.I32 => ScalarType.Int32,
        SafeTensorsDType.I16 => ScalarType.Int16,
        SafeTensorsDType.I8 => ScalarType.Int8,
        SafeTensorsDType.U8 => ScalarType.Byte,
        SafeTensorsDType.BOOL => ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>The safetensors dtype for a tensor's element type; complex and quantized types have none.</summary>
    public static SafeTensorsDType FromScalarType(ScalarType type) => type switch
    {
        ScalarType.Float64 => SafeTensorsDType.F64,
        ScalarType.Float32 => SafeTensorsDType.F32,
        ScalarType.Float16 => SafeTensorsDType.F16,
        ScalarType.BFloat16 => SafeTensorsDType.BF16,
        ScalarType.Int64 => SafeTensorsDType.I64,
        ScalarType.Int32 => SafeTensorsDType.I32,
        ScalarType.Int16 => SafeTensorsDType.I16,
        ScalarType.Int8 => SafeTensorsDType.I8,
        ScalarType.Byte => SafeTensorsDType.U8,
        ScalarType.Bool => SafeTensorsDType.BOOL,
        _ => throw new NotSupportedException($"Tensors of type {type} cannot be stored in safetensors."),
    };
}

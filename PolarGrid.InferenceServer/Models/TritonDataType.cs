using Inference;

namespace PolarGrid.InferenceServer.Models;

/// <summary>Triton's wire datatype strings, their config enum and element sizes.</summary>
public static class TritonDataType
{
    public const string Bool = "BOOL";
    public const string UInt8 = "UINT8";
    public const string UInt16 = "UINT16";
    public const string UInt32 = "UINT32";
    public const string UInt64 = "UINT64";
    public const string Int8 = "INT8";
    public const string Int16 = "INT16";
    public const string Int32 = "INT32";
    public const string Int64 = "INT64";
    public const string Fp16 = "FP16";
    public const string Fp32 = "FP32";
    public const string Fp64 = "FP64";
    public const string Bf16 = "BF16";
    public const string Bytes = "BYTES";

    /// <summary>The wire name of a config type: the enum name without <c>TYPE_</c>, and STRING → BYTES.</summary>
    public static string FromConfig(DataType type) => type switch
    {
        DataType.TypeBool => Bool,
        DataType.TypeUint8 => UInt8,
        DataType.TypeUint16 => UInt16,
        DataType.TypeUint32 => UInt32,
        DataType.TypeUint64 => UInt64,
        DataType.TypeInt8 => Int8,
        DataType.TypeInt16 => Int16,
        DataType.TypeInt32 => Int32,
        DataType.TypeInt64 => Int64,
        DataType.TypeFp16 => Fp16,
        DataType.TypeFp32 => Fp32,
        DataType.TypeFp64 => Fp64,
        DataType.TypeBf16 => Bf16,
        DataType.TypeString => Bytes,
        _ => "INVALID",
    };

    /// <summary>Bytes per element; 0 for BYTES, whose elements are length-prefixed.</summary>
    public static int ElementSize(string datatype) => datatype switch
    {
        Bool or UInt8 or Int8 => 1,
        UInt16 or Int16 or Fp16 or Bf16 => 2,
        UInt32 or Int32 or Fp32 => 4,
        UInt64 or Int64 or Fp64 => 8,
        Bytes => 0,
        _ => throw InferenceException.InvalidArgument($"unsupported datatype '{datatype}'"),
    };

    public static bool IsKnown(string datatype) => datatype is Bool or UInt8 or UInt16 or UInt32 or UInt64 or Int8 or Int16
        or Int32 or Int64 or Fp16 or Fp32 or Fp64 or Bf16 or Bytes;
}

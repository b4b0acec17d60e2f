using Inference;
using Microsoft.ML.OnnxRuntime.Tensors;
using PolarGrid.InferenceServer.Models;

namespace PolarGrid.InferenceServer.Backends.Onnx;

/// <summary>ONNX Runtime element types against Triton's datatypes.</summary>
internal static class OnnxTypes
{
    public static DataType ToConfig(TensorElementType type) => type switch
    {
        TensorElementType.Bool => DataType.TypeBool,
        TensorElementType.UInt8 => DataType.TypeUint8,
        TensorElementType.UInt16 => DataType.TypeUint16,
        TensorElementType.UInt32 => DataType.TypeUint32,
        TensorElementType.UInt64 => DataType.TypeUint64,
        TensorElementType.Int8 => DataType.TypeInt8,
        TensorElementType.Int16 => DataType.TypeInt16,
        TensorElementType.Int32 => DataType.TypeInt32,
        TensorElementType.Int64 => DataType.TypeInt64,
        TensorElementType.Float16 => DataType.TypeFp16,
        TensorElementType.Float => DataType.TypeFp32,
        TensorElementType.Double => DataType.TypeFp64,
        TensorElementType.BFloat16 => DataType.TypeBf16,
        TensorElementType.String => DataType.TypeString,
        _ => DataType.TypeInvalid,
    };

    public static TensorElementType ToOnnx(string datatype) => datatype switch
    {
        TritonDataType.Bool => TensorElementType.Bool,
        TritonDataType.UInt8 => TensorElementType.UInt8,
        TritonDataType.UInt16 => TensorElementType.UInt16,
        TritonDataType.UInt32 => TensorElementType.UInt32,
        TritonDataType.UInt64 => TensorElementType.UInt64,
        TritonDataType.Int8 => TensorElementType.Int8,
        TritonDataType.Int16 => TensorElementType.Int16,
        TritonDataType.Int32 => TensorElementType.Int32,
        TritonDataType.Int64 => TensorElementType.Int64,
        TritonDataType.Fp16 => TensorElementType.Float16,
        TritonDataType.Fp32 => TensorElementType.Float,
        TritonDataType.Fp64 => TensorElementType.Double,
        TritonDataType.Bf16 => TensorElementType.BFloat16,
        TritonDataType.Bytes => TensorElementType.String,
        _ => throw InferenceException.InvalidArgument($"unsupported datatype '{datatype}'"),
    };
}

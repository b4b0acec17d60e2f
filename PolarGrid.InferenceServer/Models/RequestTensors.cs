using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Inference;

namespace PolarGrid.InferenceServer.Models;

/// <summary>
/// One input of a request, decoded once into little-endian bytes (<see cref="Data"/>) or, for BYTES, its elements.
/// </summary>
public sealed record RequestTensor(string Name, string Datatype, long[] Shape, long ElementCount, ReadOnlyMemory<byte> Data,
    IReadOnlyList<ReadOnlyMemory<byte>> Elements);

/// <summary>
/// Reads a request's inputs from <c>raw_input_contents</c> or typed <c>contents</c>, with Triton's checks: no mixing
/// of the two forms, one raw entry per input, sizes that agree with shapes and datatypes.
/// </summary>
public static class RequestTensors
{
    public static Dictionary<string, RequestTensor> Read(ModelInferRequest request)
    {
        var useRaw = request.RawInputContents.Count > 0;
        if (useRaw && request.Inputs.Any(input => input.Contents is not null))
        {
            throw InferenceException.InvalidArgument(
                "contents field must not be specified when using raw_input_contents for any input");
        }
        if (useRaw && request.RawInputContents.Count != request.Inputs.Count)
        {
            throw InferenceException.InvalidArgument(
                $"expected {request.Inputs.Count} raw_input_contents entries (one per input), got {request.RawInputContents.Count}");
        }

        var tensors = new Dictionary<string, RequestTensor>(StringComparer.Ordinal);
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            var input = request.Inputs[i];
            if (!TritonDataType.IsKnown(input.Datatype))
            {
                throw InferenceException.InvalidArgument($"input '{input.Name}' has unknown datatype '{input.Datatype}'");
            }
            var shape = input.Shape.ToArray();
            var count = TensorShape.ElementCount(shape, input.Name);
            var tensor = useRaw
                ? FromRaw(input, shape, count, request.RawInputContents[i])
                : FromContents(input, shape, count);
            if (!tensors.TryAdd(input.Name, tensor))
            {
                throw InferenceException.InvalidArgument($"input '{input.Name}' is given more than once");
            }
        }
        return tensors;
    }

    private static RequestTensor FromRaw(ModelInferRequest.Types.InferInputTensor input, long[] shape, long count, ByteString raw)
    {
        if (input.Datatype == TritonDataType.Bytes)
        {
            var elements = BytesTensor.Split(raw.Memory, input.Name);
            RequireCount(input, count, elements.Count);
            return new RequestTensor(input.Name, input.Datatype, shape, count, ReadOnlyMemory<byte>.Empty, elements);
        }

        var expected = count * TritonDataType.ElementSize(input.Datatype);
        if (raw.Length != expected)
        {
            throw InferenceException.InvalidArgument(
                $"input '{input.Name}' with shape {TensorShape.Format(shape)} and datatype {input.Datatype} needs {expected} bytes, got {raw.Length}");
        }
        return new RequestTensor(input.Name, input.Datatype, shape, count, raw.Memory, []);
    }

    private static RequestTensor FromContents(ModelInferRequest.Types.InferInputTensor input, long[] shape, long count)
    {
        var contents = input.Contents ?? new InferTensorContents();
        if (input.Datatype == TritonDataType.Bytes)
        {
            RequireCount(input, count, contents.BytesContents.Count);
            return new RequestTensor(input.Name, input.Datatype, shape, count, ReadOnlyMemory<byte>.Empty,
                contents.BytesContents.Select(element => element.Memory).ToList());
        }

        byte[] data = input.Datatype switch
        {
            TritonDataType.Fp32 => Pack(input, count, contents.Fp32Contents, static (span, v) => BinaryPrimitives.WriteSingleLittleEndian(span, v), 4),
            TritonDataType.Fp64 => Pack(input, count, contents.Fp64Contents, static (span, v) => BinaryPrimitives.WriteDoubleLittleEndian(span, v), 8),
            TritonDataType.Int64 => Pack(input, count, contents.Int64Contents, static (span, v) => BinaryPrimitives.WriteInt64LittleEndian(span, v), 8),
            TritonDataType.Int32 => Pack(input, count, contents.IntContents, static (span, v) => BinaryPrimitives.WriteInt32LittleEndian(span, v), 4),
            TritonDataType.Int16 => Pack(input, count, contents.IntContents, static (span, v) => BinaryPrimitives.WriteInt16LittleEndian(span, checked((short)v)), 2),
            TritonDataType.Int8 => Pack(input, count, contents.IntContents, static (span, v) => span[0] = unchecked((byte)checked((sbyte)v)), 1),
            TritonDataType.UInt64 => Pack(input, count, contents.Uint64Contents, static (span, v) => BinaryPrimitives.WriteUInt64LittleEndian(span, v), 8),
            TritonDataType.UInt32 => Pack(input, count, contents.UintContents, static (span, v) => BinaryPrimitives.WriteUInt32LittleEndian(span, v), 4),
            TritonDataType.UInt16 => Pack(input, count, contents.UintContents, static (span, v) => BinaryPrimitives.WriteUInt16LittleEndian(span, checked((ushort)v)), 2),
            TritonDataType.UInt8 => Pack(input, count, contents.UintContents, static (span, v) => span[0] = checked((byte)v), 1),
            TritonDataType.Bool => Pack(input, count, contents.BoolContents, static (span, v) => span[0] = v ? (byte)1 : (byte)0, 1),
            _ => throw InferenceException.InvalidArgument(
                $"input '{input.Name}' has datatype {input.Datatype}, which has no typed contents field: send it in raw_input_contents"),
        };
        return new RequestTensor(input.Name, input.Datatype, shape, count, data, []);
    }

    private static byte[] Pack<T>(ModelInferRequest.Types.InferInputTensor input, long count, IReadOnlyList<T> values,
        SpanAction<T> write, int size)
    {
        RequireCount(input, count, values.Count);
        var data = new byte[values.Count * size];
        try
        {
            for (var i = 0; i < values.Count; i++)
            {
                write(data.AsSpan(i * size, size), values[i]);
            }
        }
        catch (OverflowException)
        {
            throw InferenceException.InvalidArgument($"input '{input.Name}' has a value out of range for {input.Datatype}");
        }
        return data;
    }

    private static void RequireCount(ModelInferRequest.Types.InferInputTensor input, long expected, int actual)
    {
        if (expected != actual)
        {
            throw InferenceException.InvalidArgument(
                $"input '{input.Name}' with shape {TensorShape.Format(input.Shape)} needs {expected} elements, got {actual}");
        }
    }

    private delegate void SpanAction<in T>(Span<byte> span, T value);

    /// <summary>Reads a fixed-size tensor's bytes as values of <typeparamref name="T"/>.</summary>
    public static ReadOnlySpan<T> As<T>(this RequestTensor tensor) where T : struct =>
        MemoryMarshal.Cast<byte, T>(tensor.Data.Span);
}

using System.Buffers.Binary;
using Google.Protobuf;

namespace PolarGrid.InferenceServer.Models;

/// <summary>
/// BYTES tensors in raw form: each element a 4-byte little-endian length followed by its bytes, concatenated.
/// </summary>
public static class BytesTensor
{
    public static List<ReadOnlyMemory<byte>> Split(ReadOnlyMemory<byte> raw, string tensor)
    {
        var elements = new List<ReadOnlyMemory<byte>>();
        var offset = 0;
        while (offset < raw.Length)
        {
            if (raw.Length - offset < 4)
            {
                throw InferenceException.InvalidArgument($"BYTES tensor '{tensor}' ends inside an element's length prefix");
            }
            var length = BinaryPrimitives.ReadUInt32LittleEndian(raw.Span[offset..]);
            offset += 4;
            if (length > raw.Length - offset)
            {
                throw InferenceException.InvalidArgument(
                    $"BYTES tensor '{tensor}' declares an element of {length} bytes but only {raw.Length - offset} remain");
            }
            elements.Add(raw.Slice(offset, (int)length));
            offset += (int)length;
        }
        return elements;
    }

    public static ByteString Join(IReadOnlyList<ReadOnlyMemory<byte>> elements)
    {
        var size = elements.Sum(element => 4 + element.Length);
        var buffer = new byte[size];
        var offset = 0;
        foreach (var element in elements)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(offset), (uint)element.Length);
            element.Span.CopyTo(buffer.AsSpan(offset + 4));
            offset += 4 + element.Length;
        }
        return UnsafeByteOperations.UnsafeWrap(buffer);
    }

    public static ByteString FromString(string value) => Join([System.Text.Encoding.UTF8.GetBytes(value)]);
}

using Google.Protobuf;
using Onnx;

namespace PolarGrid.Testing;

/// <summary>Writes small real ONNX models for the tests: an Identity graph over one tensor of any datatype.</summary>
public static class OnnxModelBuilder
{
    // ONNX TensorProto.DataType numbers.
    public static readonly IReadOnlyDictionary<string, int> ElementTypes = new Dictionary<string, int>
    {
        ["FP32"] = 1, ["UINT8"] = 2, ["INT8"] = 3, ["UINT16"] = 4, ["INT16"] = 5, ["INT32"] = 6, ["INT64"] = 7,
        ["BYTES"] = 8, ["BOOL"] = 9, ["FP16"] = 10, ["FP64"] = 11, ["UINT32"] = 12, ["UINT64"] = 13, ["BF16"] = 16,
    };

    /// <summary>
    /// <c>OUTPUT = Identity(INPUT)</c>, shape <c>[batch, width]</c> with a symbolic batch dimension.
    /// </summary>
    public static byte[] Identity(string datatype, long width)
    {
        ValueInfoProto Tensor(string name) => new()
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor
                {
                    ElemType = ElementTypes[datatype],
                    Shape = new TensorShapeProto
                    {
                        Dim =
                        {
                            new TensorShapeProto.Types.Dimension { DimParam = "batch" },
                            new TensorShapeProto.Types.Dimension { DimValue = width },
                        },
                    },
                },
            },
        };

        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "polargrid-tests",
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 13 } },
            Graph = new GraphProto
            {
                Name = $"identity_{datatype.ToLowerInvariant()}",
                Node = { new NodeProto { OpType = "Identity", Input = { "INPUT" }, Output = { "OUTPUT" }, Name = "identity" } },
                Input = { Tensor("INPUT") },
                Output = { Tensor("OUTPUT") },
            },
        };
        return model.ToByteArray();
    }
}

using Google.Protobuf;
using Onnx;

namespace PolarGrid.Testing;

/// <summary>
/// Writes small real ONNX models for the tests: an Identity graph over one tensor of any datatype, and an Add graph
/// whose weights live in an external-data file.
/// </summary>
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

    /// <summary>
    /// <c>OUTPUT = INPUT + WEIGHTS</c> over FP32 <c>[first, weights.Length]</c>, where <c>first</c> is a symbolic
    /// <c>batch</c> dimension unless <paramref name="firstDimension"/> fixes it. The weights are an initializer stored
    /// in the external-data file <paramref name="location"/> (relative to the model file), whose bytes are returned
    /// beside the model's.
    /// </summary>
    public static (byte[] Model, byte[] Data) AddWithExternalWeights(float[] weights, string location, long? firstDimension = null)
    {
        ValueInfoProto Tensor(string name) => new()
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor
                {
                    ElemType = ElementTypes["FP32"],
                    Shape = new TensorShapeProto
                    {
                        Dim =
                        {
                            firstDimension is { } fixedSize
                                ? new TensorShapeProto.Types.Dimension { DimValue = fixedSize }
                                : new TensorShapeProto.Types.Dimension { DimParam = "batch" },
                            new TensorShapeProto.Types.Dimension { DimValue = weights.Length },
                        },
                    },
                },
            },
        };

        var data = new byte[weights.Length * sizeof(float)];
        Buffer.BlockCopy(weights, 0, data, 0, data.Length);
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "polargrid-tests",
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 13 } },
            Graph = new GraphProto
            {
                Name = "add_external",
                Node = { new NodeProto { OpType = "Add", Input = { "INPUT", "WEIGHTS" }, Output = { "OUTPUT" }, Name = "add" } },
                Initializer =
                {
                    new TensorProto
                    {
                        Name = "WEIGHTS",
                        DataType = ElementTypes["FP32"],
                        Dims = { weights.Length },
                        DataLocation = TensorProto.Types.DataLocation.External,
                        ExternalData =
                        {
                            new StringStringEntryProto { Key = "location", Value = location },
                            new StringStringEntryProto { Key = "offset", Value = "0" },
                            new StringStringEntryProto { Key = "length", Value = data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                        },
                    },
                },
                Input = { Tensor("INPUT") },
                Output = { Tensor("OUTPUT") },
            },
        };
        return (model.ToByteArray(), data);
    }
}

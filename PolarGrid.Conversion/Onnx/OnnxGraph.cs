using Google.Protobuf;
using Inference;

namespace PolarGrid.Conversion.Onnx;

/// <summary>One dimension of an ONNX tensor shape: a fixed size, or symbolic (a name, or nothing at all).</summary>
public readonly record struct OnnxDimension(long? Value, string? Parameter)
{
    public bool IsSymbolic => Value is null;

    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Parameter ?? "?";
}

/// <summary>A graph input or output: its name, its ONNX element type and its shape (null when the graph gives none).</summary>
public sealed record OnnxTensorInfo(string Name, int ElementType, IReadOnlyList<OnnxDimension>? Shape)
{
    /// <summary>The Triton datatype for <see cref="ElementType"/>, or <see cref="DataType.TypeInvalid"/> for one Triton cannot carry.</summary>
    public DataType TritonType => OnnxGraph.ToTritonType(ElementType);
}

/// <summary>What conversion needs from an ONNX model file: its interface and the external-data files it reads.</summary>
public sealed record OnnxGraph(
    long IrVersion,
    IReadOnlyList<OnnxTensorInfo> Inputs,
    IReadOnlyList<OnnxTensorInfo> Outputs,
    IReadOnlyList<string> ExternalDataFiles)
{
    // Model files are streamed; only the protobuf decoder's buffer is held at any time.
    private const int ReadBufferSize = 1 << 16;

    private static readonly MessageParser<ModelProto> Parser = ModelProto.Parser.WithDiscardUnknownFields(true);

    /// <summary>
    /// Reads an ONNX file in constant memory: weights stored inside it are skipped, never loaded. Inputs that are
    /// initializers (graphs before IR version 4 list every weight as an input) are left out, as ONNX Runtime does.
    /// External-data locations are returned as written in the graph (relative to the model file's folder), unchecked.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not an ONNX model.</exception>
    public static OnnxGraph Read(string path)
    {
        ModelProto model;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ReadBufferSize, FileOptions.SequentialScan);
            model = Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException error)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)} is not an ONNX model: {error.Message}", error);
        }
        if (model.Graph is null)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)} holds no ONNX graph.");
        }

        var initializers = model.Graph.Initializer.Select(tensor => tensor.Name).ToHashSet(StringComparer.Ordinal);
        var external = new SortedSet<string>(StringComparer.Ordinal);
        CollectExternalData(model.Graph, external);
        foreach (var function in model.Functions)
        {
            foreach (var node in function.Node)
            {
                CollectExternalData(node, external);
            }
        }

        return new OnnxGraph(
            model.IrVersion,
            model.Graph.Input.Where(input => !initializers.Contains(input.Name)).Select(Describe).ToList(),
            model.Graph.Output.Select(Describe).ToList(),
            external.ToList());
    }

    /// <summary>ONNX TensorProto.DataType numbers to Triton's; types Triton has no datatype for map to TYPE_INVALID.</summary>
    public static DataType ToTritonType(int elementType) => elementType switch
    {
        1 => DataType.TypeFp32,
        2 => DataType.TypeUint8,
        3 => DataType.TypeInt8,
        4 => DataType.TypeUint16,
        5 => DataType.TypeInt16,
        6 => DataType.TypeInt32,
        7 => DataType.TypeInt64,
        8 => DataType.TypeString,
        9 => DataType.TypeBool,
        10 => DataType.TypeFp16,
        11 => DataType.TypeFp64,
        12 => DataType.TypeUint32,
        13 => DataType.TypeUint64,
        16 => DataType.TypeBf16,
        _ => DataType.TypeInvalid,
    };

    private static OnnxTensorInfo Describe(ValueInfoProto value)
    {
        var tensor = value.Type?.TensorType;
        var shape = tensor?.Shape?.Dim
            .Select(dim => dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dim.DimValue >= 0
                ? new OnnxDimension(dim.DimValue, null)
                : new OnnxDimension(null, dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? dim.DimParam : null))
            .ToList();
        return new OnnxTensorInfo(value.Name, tensor?.ElemType ?? 0, shape);
    }

    private static void CollectExternalData(GraphProto graph, ISet<string> files)
    {
        foreach (var tensor in graph.Initializer)
        {
            CollectExternalData(tensor, files);
        }
        foreach (var sparse in graph.SparseInitializer)
        {
            CollectExternalData(sparse, files);
        }
        foreach (var node in graph.Node)
        {
            CollectExternalData(node, files);
        }
    }

    private static void CollectExternalData(NodeProto node, ISet<string> files)
    {
        foreach (var attribute in node.Attribute)
        {
            CollectExternalData(attribute.T, files);
            CollectExternalData(attribute.SparseTensor, files);
            foreach (var tensor in attribute.Tensors)
            {
                CollectExternalData(tensor, files);
            }
            foreach (var sparse in attribute.SparseTensors)
            {
                CollectExternalData(sparse, files);
            }
            if (attribute.G is { } subgraph)
            {
                CollectExternalData(subgraph, files);
            }
            foreach (var graph in attribute.Graphs)
            {
                CollectExternalData(graph, files);
            }
        }
    }

    private static void CollectExternalData(SparseTensorProto? sparse, ISet<string> files)
    {
        CollectExternalData(sparse?.Values, files);
        CollectExternalData(sparse?.Indices, files);
    }

    private static void CollectExternalData(TensorProto? tensor, ISet<string> files)
    {
        if (tensor is null || tensor.DataLocation != TensorProto.Types.DataLocation.External)
        {
            return;
        }
        var location = tensor.ExternalData.LastOrDefault(entry => entry.Key == "location")?.Value;
        // A tensor marked external without a location is broken; an empty name makes the caller refuse the model.
        files.Add(location ?? "");
    }
}

using Google.Protobuf;
using Inference;
using PolarGrid.Conversion.Onnx;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Conversion;

/// <summary>Reading an ONNX graph's interface and external-data files without loading its weights.</summary>
public sealed class OnnxGraphTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new("polargrid-onnx-graph");

    [Fact]
    public void Inputs_outputs_types_and_symbolic_dimensions_are_read()
    {
        var path = Write("identity.onnx", OnnxModelBuilder.Identity("INT32", 5));
        var graph = OnnxGraph.Read(path);

        var input = Assert.Single(graph.Inputs);
        Assert.Equal("INPUT", input.Name);
        Assert.Equal(DataType.TypeInt32, input.TritonType);
        Assert.Equal([new OnnxDimension(null, "batch"), new OnnxDimension(5, null)], input.Shape!);
        Assert.True(input.Shape![0].IsSymbolic);
        Assert.Equal("OUTPUT", Assert.Single(graph.Outputs).Name);
        Assert.Empty(graph.ExternalDataFiles);
    }

    [Fact]
    public void External_data_files_are_listed_and_initializers_listed_as_inputs_are_not_inputs()
    {
        var (model, _) = OnnxModelBuilder.AddWithExternalWeights([1f, 2f, 3f], "weights/model.onnx_data");
        // Graphs before IR version 4 list every initializer among the inputs too.
        var old = Onnx.ModelProto.Parser.ParseFrom(model);
        old.IrVersion = 3;
        old.Graph.Input.Add(new Onnx.ValueInfoProto { Name = "WEIGHTS", Type = old.Graph.Input[0].Type });
        var graph = OnnxGraph.Read(Write("add.onnx", old.ToByteArray()));

        Assert.Equal(["weights/model.onnx_data"], graph.ExternalDataFiles);
        Assert.Equal(["INPUT"], graph.Inputs.Select(input => input.Name));
        Assert.Equal(3, graph.IrVersion);
    }

    [Fact]
    public void MiniLm_is_read_without_holding_its_weights()
    {
        var path = Path.Combine(_scratch.Path, "minilm.onnx");
        TestModels.WriteMiniLm(path);
        Assert.True(new FileInfo(path).Length > 80_000_000);

        _ = OnnxGraph.Read(path); // Warm up the parser's own one-time allocations.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var graph = OnnxGraph.Read(path);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 2_000_000, $"reading the graph allocated {allocated} bytes");
        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], graph.Inputs.Select(input => input.Name));
        Assert.All(graph.Inputs, input => Assert.Equal(DataType.TypeInt64, input.TritonType));
        var hidden = graph.Outputs.Single(output => output.Name == "last_hidden_state");
        Assert.Equal(DataType.TypeFp32, hidden.TritonType);
        Assert.Equal([new OnnxDimension(null, "batch"), new OnnxDimension(null, "sequence")], hidden.Shape!.Take(2));
        Assert.True(hidden.Shape![2].IsSymbolic);
        // The pooler output: a symbolic first dimension, a fixed hidden size.
        var pooled = Assert.Single(graph.Outputs, output => output.Name != "last_hidden_state");
        Assert.True(pooled.Shape![0].IsSymbolic);
        Assert.Equal(384, pooled.Shape[1].Value);
        Assert.Empty(graph.ExternalDataFiles);
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_refused()
    {
        var path = Write("garbage.onnx", "this is not protobuf at all \xff\xfe"u8.ToArray());
        Assert.Throws<InvalidDataException>(() => OnnxGraph.Read(path));
    }

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_scratch.Path, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose() => _scratch.Dispose();
}

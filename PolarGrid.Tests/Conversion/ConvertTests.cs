using System.Text.Json;
using Inference;
using PolarGrid.Contracts;
using PolarGrid.Conversion;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Conversion;

/// <summary>Step 2 without a server: safetensors for vLLM, and every refusal that only file contents reveal.</summary>
public sealed class ConvertTests : IDisposable
{
    private static readonly ConversionOptions Cpu = new() { Flavour = TritonFlavour.PolarGridCpu, MaxBatchSize = 4 };
    private static readonly ConversionOptions Vllm = new() { Flavour = TritonFlavour.TritonVllm, Device = DeviceKind.Gpu, GpuMemoryUtilization = 0.5 };

    private const string LlamaConfig = """
        { "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 16, "max_position_embeddings": 4096 }
        """;

    private readonly FakeRepository _repo = new();

    private FakeRepository VllmRepository(string config = LlamaConfig, string tokenizerConfig = """{"model_max_length": 4096}""") => _repo
        .Text("config.json", config)
        .Text("generation_config.json", """{"temperature": 0.6}""")
        .Bytes("model-00001-of-00002.safetensors", new byte[300])
        .Bytes("model-00002-of-00002.safetensors", new byte[200])
        .Text("model.safetensors.index.json", """
            { "metadata": {}, "weight_map": { "a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors" } }
            """)
        .Bytes("pytorch_model.bin", new byte[100])
        .Text("tokenizer.json", "{}")
        .Text("tokenizer_config.json", tokenizerConfig)
        .Text("chat_template.jinja", "{{ messages }}")
        .Text("README.md", "# model");

    [Fact]
    public async Task Safetensors_become_a_vllm_model_with_engine_args_pointing_at_the_weights_folder()
    {
        var result = await VllmRepository().ConvertAsync(Vllm, "llama-3");

        Assert.Equal(ModelFormat.Safetensors, result.Format);
        Assert.Equal(ServedModelKind.Chat, result.Kind);
        Assert.Equal(4096, result.ContextLength);
        Assert.Null(result.Embedding);

        var config = ProtobufTextFormat.Parse<ModelConfig>(File.ReadAllText(_repo.ModelPath("config.pbtxt")));
        Assert.Equal(result.Config, config);
        Assert.Equal("llama-3", config.Name);
        Assert.Equal("vllm", config.Backend);
        Assert.Equal("", config.Platform);
        Assert.Equal(0, config.MaxBatchSize);
        Assert.True(config.ModelTransactionPolicy.Decoupled);
        var instances = Assert.Single(config.InstanceGroup);
        Assert.Equal(ModelInstanceGroup.Types.Kind.Model, instances.Kind);
        Assert.Equal(1, instances.Count);
        var text = config.Input.Single(input => input.Name == "text_input");
        Assert.Equal(DataType.TypeString, text.DataType);
        Assert.Equal([1L], text.Dims);
        Assert.False(text.Optional);
        Assert.True(config.Input.Single(input => input.Name == "stream").Optional);
        Assert.Equal([-1L], config.Output.Single(output => output.Name == "text_output").Dims);

        using var engine = JsonDocument.Parse(File.ReadAllText(_repo.ModelPath("1/model.json")));
        Assert.Equal("weights", engine.RootElement.GetProperty("model").GetString());
        Assert.True(engine.RootElement.GetProperty("disable_log_requests").GetBoolean());
        Assert.Equal(0.5, engine.RootElement.GetProperty("gpu_memory_utilization").GetDouble());
        Assert.False(engine.RootElement.GetProperty("trust_remote_code").GetBoolean());

        Assert.Equal(
            [
                "1/model.json", "1/weights/chat_template.jinja", "1/weights/config.json", "1/weights/generation_config.json",
                "1/weights/model-00001-of-00002.safetensors", "1/weights/model-00002-of-00002.safetensors",
                "1/weights/model.safetensors.index.json", "1/weights/tokenizer.json", "1/weights/tokenizer_config.json", "config.pbtxt",
            ],
            _repo.ModelFiles());
        // Weights were moved; tokenizer files were copied and stay for the gateway.
        Assert.False(File.Exists(_repo.DownloadedPath("model-00001-of-00002.safetensors")));
        Assert.Equal(
            new[] { "chat_template.jinja", "generation_config.json", "tokenizer.json", "tokenizer_config.json" }.Select(_repo.DownloadedPath),
            result.TokenizerFiles);
        Assert.All(result.TokenizerFiles, path => Assert.True(File.Exists(path)));
        Assert.All(result.TokenizerFiles, path => Assert.True(Path.IsPathFullyQualified(path)));
    }

    [Theory]
    [InlineData("""{ "model_type": "custom", "auto_map": { "AutoModelForCausalLM": "modeling_custom.CustomModel" } }""")]
    [InlineData("""{ "model_type": "custom", "trust_remote_code": true }""")]
    public async Task A_config_asking_for_remote_code_is_refused_before_anything_moves(string config)
    {
        var error = await Assert.ThrowsAsync<ConversionException>(() => VllmRepository(config).ConvertAsync(Vllm, "custom"));

        Assert.Equal(ConversionErrorCode.RemoteCodeRequired, error.Code);
        Assert.True(File.Exists(_repo.DownloadedPath("model-00001-of-00002.safetensors")));
        Assert.Empty(_repo.ModelFiles());
    }

    [Fact]
    public async Task A_tokenizer_that_needs_remote_code_is_refused()
    {
        var repo = VllmRepository(tokenizerConfig: """{ "auto_map": { "AutoTokenizer": ["tokenization_x.XTokenizer", null] } }""");
        var error = await Assert.ThrowsAsync<ConversionException>(() => repo.ConvertAsync(Vllm, "custom"));
        Assert.Equal(ConversionErrorCode.RemoteCodeRequired, error.Code);
        Assert.Contains("tokenizer_config.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_onnx_model_whose_config_asks_for_remote_code_is_refused()
    {
        var (model, data) = OnnxModelBuilder.AddWithExternalWeights([1f, 2f], "model.onnx_data");
        _repo.Bytes("onnx/model.onnx", model).Bytes("onnx/model.onnx_data", data)
            .Text("config.json", """{ "auto_map": { "AutoModel": "modeling_jina.JinaModel" } }""");
        var error = await Assert.ThrowsAsync<ConversionException>(() => _repo.ConvertAsync(Cpu, "jina"));
        Assert.Equal(ConversionErrorCode.RemoteCodeRequired, error.Code);
    }

    [Fact]
    public async Task An_index_naming_a_shard_that_was_not_downloaded_is_refused()
    {
        var repo = VllmRepository();
        repo.Text("model.safetensors.index.json", """{ "weight_map": { "a": "model-00001-of-00002.safetensors", "b": "model-00003-of-00003.safetensors" } }""");
        var error = await Assert.ThrowsAsync<ConversionException>(() => repo.ConvertAsync(Vllm, "llama"));
        Assert.Equal(ConversionErrorCode.MissingFile, error.Code);
        Assert.Contains("model-00003-of-00003.safetensors", error.Message, StringComparison.Ordinal);
    }

    private FakeRepository GenAiRepository(string genaiConfig) => _repo
        .Text("genai_config.json", genaiConfig)
        .Bytes("model.onnx", OnnxModelBuilder.Identity("FP32", 2))
        .Text("tokenizer.json", "{}");

    [Theory]
    [InlineData("""{ "model": { "context_length": 2048, "vocab_size": 32000, "decoder": { "filename": "decoder.onnx" } } }""", ConversionErrorCode.MissingFile)]
    [InlineData("""{ "model": { "context_length": 2048, "vocab_size": 32000, "decoder": { "filename": "../../outside.onnx" } } }""", ConversionErrorCode.UnsafePath)]
    [InlineData("""{ "model": { "context_length": 2048, "vocab_size": 32000, "decoder": { "filename": "/etc/passwd" } } }""", ConversionErrorCode.UnsafePath)]
    [InlineData("""{ "model": { "context_length": 2048, "vocab_size": 32000, "decoder": { "filename": "model.onnx" }, "vision": { "filename": "vision.onnx" } } }""", ConversionErrorCode.MissingFile)]
    [InlineData("""{ "model": { "vocab_size": 32000, "decoder": { "filename": "model.onnx" } } }""", ConversionErrorCode.InvalidModel)]
    [InlineData("""{ "model": { "context_length": 2048, "vocab_size": 32000 } }""", ConversionErrorCode.InvalidModel)]
    [InlineData("""{ "model": { "context_length": 2048, "vocab_size": 32000, "decoder": { "filename": "model.onnx" """, ConversionErrorCode.InvalidModel)]
    [InlineData("""[]""", ConversionErrorCode.InvalidModel)]
    public async Task A_genai_config_that_is_broken_or_names_missing_or_unsafe_files_is_refused(string genaiConfig, ConversionErrorCode expected)
    {
        var error = await Assert.ThrowsAsync<ConversionException>(() => GenAiRepository(genaiConfig).ConvertAsync(Cpu, "llm"));
        Assert.Equal(expected, error.Code);
        Assert.True(File.Exists(_repo.DownloadedPath("model.onnx")));
        Assert.Empty(_repo.ModelFiles());
    }

    [Theory]
    [InlineData("../secret.onnx_data", ConversionErrorCode.UnsafePath)]
    [InlineData("/var/lib/secret.data", ConversionErrorCode.UnsafePath)]
    [InlineData("model.data", ConversionErrorCode.MissingFile)]
    public async Task External_data_must_be_a_safe_name_that_was_downloaded(string location, ConversionErrorCode expected)
    {
        var (model, data) = OnnxModelBuilder.AddWithExternalWeights([1f, 2f], location);
        _repo.Bytes("model.onnx", model).Bytes("model.onnx_data", data);

        var error = await Assert.ThrowsAsync<ConversionException>(() => _repo.ConvertAsync(Cpu, "adder"));
        Assert.Equal(expected, error.Code);
        Assert.Contains(location, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_graph_that_is_not_onnx_is_refused()
    {
        _repo.Text("model.onnx", "<html>rate limited</html>");
        var error = await Assert.ThrowsAsync<ConversionException>(() => _repo.ConvertAsync(Cpu, "broken"));
        Assert.Equal(ConversionErrorCode.InvalidModel, error.Code);
    }

    [Fact]
    public async Task Batching_needs_a_symbolic_first_dimension_everywhere()
    {
        var (model, data) = OnnxModelBuilder.AddWithExternalWeights([1f, 2f, 3f], "model.onnx_data", firstDimension: 2);
        _repo.Bytes("model.onnx", model).Bytes("model.onnx_data", data);

        var result = await _repo.ConvertAsync(Cpu, "fixed");

        Assert.Equal(ServedModelKind.Tensor, result.Kind);
        Assert.Equal(0, result.Config.MaxBatchSize);
        Assert.Equal(ModelConfig.SchedulingChoiceOneofCase.None, result.Config.SchedulingChoiceCase);
        Assert.Equal([2L, 3L], result.Config.Input.Single().Dims);
        Assert.Equal([2L, 3L], result.Config.Output.Single().Dims);
        Assert.Equal(["1/model.onnx", "1/model.onnx_data", "config.pbtxt"], _repo.ModelFiles());
    }

    [Fact]
    public async Task A_max_batch_size_of_zero_keeps_the_full_shape()
    {
        var (model, data) = OnnxModelBuilder.AddWithExternalWeights([1f, 2f, 3f], "model.onnx_data");
        _repo.Bytes("model.onnx", model).Bytes("model.onnx_data", data);

        var result = await _repo.ConvertAsync(Cpu with { MaxBatchSize = 0 }, "unbatched");

        Assert.Equal(0, result.Config.MaxBatchSize);
        Assert.Equal([-1L, 3L], result.Config.Input.Single().Dims);
    }

    [Fact]
    public async Task Gpu_placement_is_written_for_onnx_on_triton()
    {
        _repo.Bytes("model.onnx", OnnxModelBuilder.Identity("FP16", 4));
        var result = await _repo.ConvertAsync(new ConversionOptions { Flavour = TritonFlavour.Triton, Device = DeviceKind.Gpu }, "identity");

        var instances = Assert.Single(result.Config.InstanceGroup);
        Assert.Equal(ModelInstanceGroup.Types.Kind.Gpu, instances.Kind);
        Assert.Equal(DataType.TypeFp16, result.Config.Input.Single().DataType);
        Assert.Equal(8, result.Config.MaxBatchSize);
        Assert.Equal([4L], result.Config.Input.Single().Dims);
    }

    [Fact]
    public async Task Bad_names_targets_and_downloads_are_refused()
    {
        _repo.Bytes("model.onnx", OnnxModelBuilder.Identity("FP32", 2)).Text("vocab.txt", "[PAD]");
        var plan = _repo.Plan(Cpu);
        _repo.Download(plan);

        foreach (var name in new[] { "../escape", "", "a/b", ".hidden" })
        {
            var error = await Assert.ThrowsAsync<ConversionException>(
                () => ModelConverter.ConvertAsync(plan, _repo.DownloadDirectory, _repo.ModelDirectory, name, CancellationToken.None));
            Assert.Equal(ConversionErrorCode.InvalidModelName, error.Code);
        }

        var tampered = plan with { Files = [.. plan.Files, new PlannedFile("../../etc/passwd", 10, FileRole.Tokenizer)] };
        Assert.Equal(ConversionErrorCode.UnsafePath, (await Assert.ThrowsAsync<ConversionException>(
            () => ModelConverter.ConvertAsync(tampered, _repo.DownloadDirectory, _repo.ModelDirectory, "m", CancellationToken.None))).Code);

        var pickled = plan with { Files = [.. plan.Files, new PlannedFile("pytorch_model.bin", 10, FileRole.Model)] };
        Assert.Equal(ConversionErrorCode.UnsafePath, (await Assert.ThrowsAsync<ConversionException>(
            () => ModelConverter.ConvertAsync(pickled, _repo.DownloadDirectory, _repo.ModelDirectory, "m", CancellationToken.None))).Code);

        Directory.CreateDirectory(_repo.ModelDirectory);
        File.WriteAllText(_repo.ModelPath("leftover"), "x");
        await Assert.ThrowsAsync<ArgumentException>(
            () => ModelConverter.ConvertAsync(plan, _repo.DownloadDirectory, _repo.ModelDirectory, "m", CancellationToken.None));
        File.Delete(_repo.ModelPath("leftover"));

        File.Delete(_repo.DownloadedPath("vocab.txt"));
        var missing = await Assert.ThrowsAsync<ConversionException>(
            () => ModelConverter.ConvertAsync(plan, _repo.DownloadDirectory, _repo.ModelDirectory, "m", CancellationToken.None));
        Assert.Equal(ConversionErrorCode.MissingFile, missing.Code);
        Assert.Contains("vocab.txt", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_downloaded_file_that_is_a_link_is_refused()
    {
        _repo.Bytes("model.onnx", OnnxModelBuilder.Identity("FP32", 2)).Text("tokenizer.json", "{}");
        var plan = _repo.Plan(Cpu);
        _repo.Download(plan);
        File.Delete(_repo.DownloadedPath("tokenizer.json"));
        File.CreateSymbolicLink(_repo.DownloadedPath("tokenizer.json"), "/etc/passwd");

        var error = await Assert.ThrowsAsync<ConversionException>(
            () => ModelConverter.ConvertAsync(plan, _repo.DownloadDirectory, _repo.ModelDirectory, "m", CancellationToken.None));
        Assert.Equal(ConversionErrorCode.MissingFile, error.Code);
        Assert.Contains("link", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _repo.Dispose();
}

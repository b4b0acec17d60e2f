using PolarGrid.Testing;

namespace PolarGrid.Tests.InferenceServer;

/// <summary>
/// One inference server over a model repository holding the tiny Llama (genai), MiniLM (ONNX) and identity models of
/// every datatype, in explicit model-control mode with the main models loaded at start.
/// </summary>
public sealed class InferenceServerFixture : IAsyncLifetime
{
    public const string Llama = "tiny_llama";
    public const string MiniLm = "minilm";

    /// <summary>In the repository, never loaded.</summary>
    public const string IdleModel = "idle_identity";

    public static readonly string[] IdentityTypes =
        ["FP32", "FP16", "BF16", "FP64", "INT64", "INT32", "INT16", "INT8", "UINT8", "UINT16", "UINT32", "UINT64", "BOOL", "BYTES"];

    private readonly ScratchDirectory _repository = new("polargrid-repo");

    public InferenceServerProcess Server { get; private set; } = null!;

    public string RepositoryPath => _repository.Path;

    public static string IdentityModel(string datatype) => $"identity_{datatype.ToLowerInvariant()}";

    public static string BatchedModel(string datatype) => $"batched_{datatype.ToLowerInvariant()}";

    public async Task InitializeAsync()
    {
        var llama = Path.Combine(RepositoryPath, Llama);
        TestModels.CopyDirectory(TestModels.TinyLlamaDirectory, Path.Combine(llama, "1"));
        File.WriteAllText(Path.Combine(llama, "config.pbtxt"), """
            # The vLLM tensor contract over an onnxruntime-genai folder.
            backend: "onnxruntime_genai"
            parameters { key: "max_num_seqs" value { string_value: "16" } }
            """);

        var minilm = Path.Combine(RepositoryPath, MiniLm);
        TestModels.WriteMiniLm(Path.Combine(minilm, "1", "model.onnx"));
        File.WriteAllText(Path.Combine(minilm, "config.pbtxt"), """
            name: "minilm"
            platform: "onnxruntime_onnx"
            max_batch_size: 8
            input [
              { name: "input_ids", data_type: TYPE_INT64, dims: [ -1 ] },
              { name: "attention_mask", data_type: TYPE_INT64, dims: [ -1 ] },
              { name: "token_type_ids", data_type: TYPE_INT64, dims: [ -1 ] }
            ]
            output [ { name: "last_hidden_state", data_type: TYPE_FP32, dims: [ -1, 384 ] } ]
            instance_group [ { count: 2, kind: KIND_CPU } ]
            """);

        foreach (var datatype in IdentityTypes)
        {
            // No config.pbtxt: the server completes it from the ONNX graph, as Triton does.
            var folder = Path.Combine(RepositoryPath, IdentityModel(datatype), "1");
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, "model.onnx"), OnnxModelBuilder.Identity(datatype, 3));
        }

        foreach (var datatype in new[] { "FP32", "BYTES" })
        {
            // Triton's dynamic batcher: requests arriving within 200 ms of the first share one execution.
            var batched = Path.Combine(RepositoryPath, BatchedModel(datatype));
            Directory.CreateDirectory(Path.Combine(batched, "1"));
            File.WriteAllBytes(Path.Combine(batched, "1", "model.onnx"), OnnxModelBuilder.Identity(datatype, 3));
            File.WriteAllText(Path.Combine(batched, "config.pbtxt"), """
                platform: "onnxruntime_onnx"
                max_batch_size: 8
                dynamic_batching { max_queue_delay_microseconds: 200000 }
                instance_group [ { count: 1, kind: KIND_CPU } ]
                """);
        }

        var idle = Path.Combine(RepositoryPath, IdleModel, "1");
        Directory.CreateDirectory(idle);
        File.WriteAllBytes(Path.Combine(idle, "model.onnx"), OnnxModelBuilder.Identity("FP32", 3));

        Server = await InferenceServerProcess.StartAsync(RepositoryPath,
            "--model-control-mode=explicit", $"--load-model={Llama}", $"--load-model={MiniLm}");
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        _repository.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class InferenceServerCollection : ICollectionFixture<InferenceServerFixture>
{
    public const string Name = "inference-server";
}

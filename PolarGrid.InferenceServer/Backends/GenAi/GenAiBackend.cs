using System.Globalization;
using Inference;
using Microsoft.ML.OnnxRuntimeGenAI;
using PolarGrid.InferenceServer.Models;

namespace PolarGrid.InferenceServer.Backends.GenAi;

/// <summary>
/// <c>backend: "onnxruntime_genai"</c>: a text-generation model folder in onnxruntime-genai's format (its
/// <c>genai_config.json</c>, ONNX decoder and tokenizer files) in the version directory, served with the vLLM
/// backend's tensor contract so that clients of Triton's vLLM models work unchanged.
/// </summary>
public sealed class GenAiBackend(TimeProvider time, ILoggerFactory loggers) : IModelBackend
{
    public const string BackendName = "onnxruntime_genai";

    /// <summary>Concurrent sequences per model unless the config's <c>max_num_seqs</c> parameter says otherwise.</summary>
    public const int DefaultMaxSequences = 16;

    /// <summary>Decoder threads per request unless the config's <c>intra_op_num_threads</c> parameter says otherwise.</summary>
    public const int DefaultIntraOpThreads = 1;

    // onnxruntime-genai's state is process-wide, and so is this handle: disposing it shuts the library down for every
    // user in the process (another backend, a tokenizer), so no backend instance may end it; it ends with the process.
    private static readonly Lazy<OgaHandle> Handle = new(() => new OgaHandle());

    public string Name => BackendName;

    public bool CanServe(ModelConfig config) => config.Backend == BackendName;

    public bool Recognizes(string versionDirectory) => File.Exists(Path.Combine(versionDirectory, GenAiModelInfo.FileName));

    public Task<ServedModel> LoadAsync(ModelLoadContext context, CancellationToken cancellationToken) =>
        Task.Run<ServedModel>(() =>
        {
            _ = Handle.Value;
            var info = GenAiModelInfo.Read(context.VersionDirectory);
            var config = Complete(context.Config);
            var maxSequences = PositiveParameter(config, "max_num_seqs", DefaultMaxSequences);
            var threads = PositiveParameter(config, "intra_op_num_threads", DefaultIntraOpThreads);

            Model? model = null;
            try
            {
                model = CreateModel(context.VersionDirectory, threads);
                var tokenizer = new Tokenizer(model);
                return new GenAiModel(context.Name, context.Version, config, model, tokenizer, info, maxSequences, time,
                    loggers.CreateLogger<GenAiModel>());
            }
            catch (OnnxRuntimeGenAIException error)
            {
                model?.Dispose();
                throw InferenceException.Internal($"failed to load '{context.Name}' version {context.Version}: {error.Message}");
            }
        }, cancellationToken);

    /// <summary>The vLLM backend's auto-complete: its inputs and outputs, decoupled, no batching dimension.</summary>
    public static ModelConfig Complete(ModelConfig given)
    {
        var config = given.Clone();
        config.Backend = BackendName;
        config.MaxBatchSize = 0;
        config.ModelTransactionPolicy = new ModelTransactionPolicy { Decoupled = true };
        if (config.Input.Count == 0)
        {
            config.Input.Add(Input("text_input", DataType.TypeString, optional: false));
            config.Input.Add(Input("stream", DataType.TypeBool));
            config.Input.Add(Input("sampling_parameters", DataType.TypeString));
            config.Input.Add(Input("exclude_input_in_output", DataType.TypeBool));
            config.Input.Add(Input("return_finish_reason", DataType.TypeBool));
            config.Input.Add(Input("return_num_input_tokens", DataType.TypeBool));
            config.Input.Add(Input("return_num_output_tokens", DataType.TypeBool));
        }
        if (config.Output.Count == 0)
        {
            config.Output.Add(new ModelOutput { Name = "text_output", DataType = DataType.TypeString, Dims = { -1 } });
            config.Output.Add(new ModelOutput { Name = "finish_reason", DataType = DataType.TypeString, Dims = { -1 } });
            config.Output.Add(new ModelOutput { Name = "num_input_tokens", DataType = DataType.TypeUint32, Dims = { 1 } });
            config.Output.Add(new ModelOutput { Name = "num_output_tokens", DataType = DataType.TypeUint32, Dims = { -1 } });
        }
        if (config.InstanceGroup.Count == 0)
        {
            config.InstanceGroup.Add(new ModelInstanceGroup { Kind = ModelInstanceGroup.Types.Kind.Model, Count = 1 });
        }
        return config;
    }

    private static ModelInput Input(string name, DataType type, bool optional = true) =>
        new() { Name = name, DataType = type, Dims = { 1 }, Optional = optional };

    /// <summary>
    /// Loads a model folder with its decoder limited to <paramref name="intraOpThreads"/> threads. Each request runs
    /// its own generator, so requests are the parallelism; per-operator threads would only contend with them and
    /// with the gRPC threads for the same cores.
    /// </summary>
    public static Model CreateModel(string directory, int intraOpThreads)
    {
        using var config = new Config(directory);
        var threads = intraOpThreads.ToString(CultureInfo.InvariantCulture);
        config.Overlay("""{"model":{"decoder":{"session_options":{"intra_op_num_threads":""" + threads + "}}}}");
        return new Model(config);
    }

    private static int PositiveParameter(ModelConfig config, string name, int fallback)
    {
        if (!config.Parameters.TryGetValue(name, out var parameter))
        {
            return fallback;
        }
        return int.TryParse(parameter.StringValue, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw InferenceException.InvalidArgument($"parameter {name} must be a positive integer, got '{parameter.StringValue}'");
    }
}

using Inference;
using Microsoft.ML.OnnxRuntime;
using PolarGrid.InferenceServer.Models;

namespace PolarGrid.InferenceServer.Backends.Onnx;

/// <summary>
/// <c>platform: "onnxruntime_onnx"</c> (or <c>backend: "onnxruntime"</c>): an ONNX graph run by ONNX Runtime on CPU.
/// </summary>
public sealed class OnnxBackend(TimeProvider time, ILoggerFactory loggers) : IModelBackend
{
    public const string Platform = "onnxruntime_onnx";
    public const string DefaultModelFilename = "model.onnx";

    // Triton fills in max_batch_size 4 when a model can batch and the config does not say (default-max-batch-size).
    private const int DefaultMaxBatchSize = 4;

    public string Name => "onnxruntime";

    public bool CanServe(ModelConfig config) => config.Platform == Platform || config.Backend == Name;

    public bool Recognizes(string versionDirectory) => Path.Exists(Path.Combine(versionDirectory, DefaultModelFilename));

    public Task<ServedModel> LoadAsync(ModelLoadContext context, CancellationToken cancellationToken) =>
        // Session creation is long, blocking native work; keep it off the request threads.
        Task.Run<ServedModel>(() =>
        {
            var modelPath = ModelFile(context);
            var options = OnnxSessionOptions.Create($"{context.Name}:{context.Version}");
            try
            {
                var session = new InferenceSession(modelPath, options);
                var config = Complete(context.Config, session);
                return new OnnxModel(context.Name, context.Version, config, session, options, time, loggers.CreateLogger<OnnxModel>());
            }
            catch (OnnxRuntimeException error)
            {
                options.Dispose();
                throw InferenceException.Internal($"failed to load '{context.Name}' version {context.Version}: {error.Message}");
            }
            catch
            {
                options.Dispose();
                throw;
            }
        }, cancellationToken);

    private static string ModelFile(ModelLoadContext context)
    {
        var filename = string.IsNullOrEmpty(context.Config.DefaultModelFilename) ? DefaultModelFilename : context.Config.DefaultModelFilename;
        var path = Path.Combine(context.VersionDirectory, filename);
        // A directory named model.onnx holds a model with its external-data files (Triton's layout for big models).
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, DefaultModelFilename);
        }
        if (!File.Exists(path))
        {
            throw InferenceException.NotFound(
                $"failed to load '{context.Name}' version {context.Version}: model file '{filename}' not found in {context.VersionDirectory}");
        }
        return path;
    }

    /// <summary>
    /// Triton's auto-complete for ONNX: inputs, outputs and max_batch_size from the graph when the config leaves them
    /// out; otherwise the config's tensors are checked against the graph.
    /// </summary>
    private static ModelConfig Complete(ModelConfig given, InferenceSession session)
    {
        var config = given.Clone();
        config.Platform = Platform;
        config.Backend = "onnxruntime";

        var graphInputs = session.InputMetadata;
        var graphOutputs = session.OutputMetadata;

        if (config.Input.Count == 0 && config.Output.Count == 0)
        {
            var canBatch = graphInputs.Values.Concat(graphOutputs.Values)
                .All(meta => meta.Dimensions.Length > 0 && meta.Dimensions[0] < 0);
            if (config.MaxBatchSize == 0 && canBatch)
            {
                config.MaxBatchSize = DefaultMaxBatchSize;
            }
            var skip = config.MaxBatchSize > 0 ? 1 : 0;
            foreach (var (name, meta) in graphInputs)
            {
                config.Input.Add(new ModelInput { Name = name, DataType = OnnxTypes.ToConfig(meta.ElementDataType), Dims = { meta.Dimensions.Skip(skip).Select(d => (long)d) } });
            }
            foreach (var (name, meta) in graphOutputs)
            {
                config.Output.Add(new ModelOutput { Name = name, DataType = OnnxTypes.ToConfig(meta.ElementDataType), Dims = { meta.Dimensions.Skip(skip).Select(d => (long)d) } });
            }
        }
        else
        {
            foreach (var input in config.Input)
            {
                Check("input", input.Name, input.DataType, graphInputs);
            }
            foreach (var output in config.Output)
            {
                Check("output", output.Name, output.DataType, graphOutputs);
            }
        }

        if (config.InstanceGroup.Count == 0)
        {
            // Triton's default for onnxruntime on CPU: two instances.
            config.InstanceGroup.Add(new ModelInstanceGroup { Kind = ModelInstanceGroup.Types.Kind.Cpu, Count = 2 });
        }
        return config;
    }

    private static void Check(string kind, string name, DataType type, IReadOnlyDictionary<string, NodeMetadata> graph)
    {
        if (!graph.TryGetValue(name, out var meta))
        {
            throw InferenceException.InvalidArgument(
                $"unable to load model: {kind} '{name}' in config.pbtxt is not in the ONNX graph (graph {kind}s: {string.Join(", ", graph.Keys)})");
        }
        if (OnnxTypes.ToConfig(meta.ElementDataType) != type)
        {
            throw InferenceException.InvalidArgument(
                $"unable to load model: {kind} '{name}' is {type} in config.pbtxt but {OnnxTypes.ToConfig(meta.ElementDataType)} in the ONNX graph");
        }
    }
}

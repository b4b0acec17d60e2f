using System.Diagnostics;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Inference;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;
using Microsoft.ML.OnnxRuntime.Tensors;
using PolarGrid.InferenceServer.Models;
using PolarGrid.InferenceServer.Telemetry;

namespace PolarGrid.InferenceServer.Backends.Onnx;

/// <summary>
/// A loaded ONNX model. One ONNX Runtime session serves every instance; the config's instance count bounds how many
/// requests run at once, as Triton's instances do.
/// </summary>
public sealed class OnnxModel : ServedModel
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;
    private readonly SemaphoreSlim _instances;
    private readonly Dictionary<string, ModelInput> _inputs;
    private readonly Dictionary<string, ModelOutput> _outputs;
    private readonly ILogger<OnnxModel> _logger;

    public OnnxModel(string name, long version, ModelConfig config, InferenceSession session, SessionOptions options,
        TimeProvider time, ILogger<OnnxModel> logger)
        : base(name, version, config, time)
    {
        _session = session;
        _options = options;
        _logger = logger;
        _inputs = config.Input.ToDictionary(input => input.Name, StringComparer.Ordinal);
        _outputs = config.Output.ToDictionary(output => output.Name, StringComparer.Ordinal);
        _instances = new SemaphoreSlim(Math.Max(1, config.InstanceGroup.Sum(group => Math.Max(1, group.Count))));

    }

    public override async IAsyncEnumerable<InferResult> InferAsync(ModelInferRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        CheckNamesAndTypes(request);
        var tensors = RequestTensors.Read(request);
        var batchSize = Validate(tensors);
        var outputNames = RequestedOutputs(request);

        TimeSpan queued;
        using (var pending = Statistics.Enqueue())
        {
            await _instances.WaitAsync(cancellationToken);
            queued = pending.Waited;
        }

        ModelInferResponse response;
        TimeSpan input, infer, output;
        try
        {
            var phase = Stopwatch.GetTimestamp();
            using var values = new OrtValueList(tensors.Count);
            var names = new List<string>(tensors.Count);
            foreach (var tensor in tensors.Values)
            {
                names.Add(tensor.Name);
                values.Add(ToOrtValue(tensor));
            }
            input = Stopwatch.GetElapsedTime(phase);

            phase = Stopwatch.GetTimestamp();
            using var runOptions = new RunOptions();
            using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
            using var results = _session.Run(runOptions, names, values, outputNames);
            infer = Stopwatch.GetElapsedTime(phase);

            phase = Stopwatch.GetTimestamp();
            response = new ModelInferResponse { ModelName = Name, ModelVersion = Version.ToString(), Id = request.Id };
            for (var i = 0; i < outputNames.Count; i++)
            {
                var (metadata, raw) = FromOrtValue(outputNames[i], results[i]);
                response.Outputs.Add(metadata);
                response.RawOutputContents.Add(raw);
            }
            output = Stopwatch.GetElapsedTime(phase);
        }
        catch (OnnxRuntimeException error) when (cancellationToken.IsCancellationRequested)
        {
            _logger.LogDebug(error, "Run of {Model} cancelled", Name);
            throw new OperationCanceledException(cancellationToken);
        }
        catch (OnnxRuntimeException error)
        {
            throw InferenceException.Internal($"onnxruntime failed to run '{Name}': {error.Message}");
        }
        finally
        {
            _instances.Release();
        }

        Statistics.RecordSuccess(batchSize, Stopwatch.GetElapsedTime(started), queued, input, infer, output);
        yield return new InferResult(response, IsFinal: true);
    }

    /// <summary>Names and datatypes first, as Triton does: a wrong datatype is the cause of a wrong byte count.</summary>
    private void CheckNamesAndTypes(ModelInferRequest request)
    {
        foreach (var input in request.Inputs)
        {
            if (!_inputs.TryGetValue(input.Name, out var expected))
            {
                throw InferenceException.InvalidArgument(
                    $"unexpected inference input '{input.Name}' for model '{Name}'; expected one of: {string.Join(", ", _inputs.Keys)}");
            }
            var datatype = TritonDataType.FromConfig(expected.DataType);
            if (input.Datatype != datatype)
            {
                throw InferenceException.InvalidArgument(
                    $"inference input '{input.Name}' data-type is '{input.Datatype}', but model '{Name}' expects '{datatype}'");
            }
        }
    }

    /// <summary>Checks shapes against the config and returns the batch size (1 for models that do not batch).</summary>
    private long Validate(Dictionary<string, RequestTensor> tensors)
    {
        long? batch = null;
        foreach (var tensor in tensors.Values)
        {
            var expected = _inputs[tensor.Name];

            IReadOnlyList<long> shape = tensor.Shape;
            if (Config.MaxBatchSize > 0)
            {
                if (shape.Count == 0 || shape[0] < 1 || shape[0] > Config.MaxBatchSize)
                {
                    throw InferenceException.InvalidArgument(
                        $"inference request batch-size must be in [1, {Config.MaxBatchSize}] for '{Name}', input '{tensor.Name}' has shape {TensorShape.Format(shape)}");
                }
                if (batch is { } first && first != shape[0])
                {
                    throw InferenceException.InvalidArgument($"inputs of '{Name}' disagree on the batch size");
                }
                batch = shape[0];
                shape = tensor.Shape[1..];
            }
            if (!TensorShape.Matches(shape, expected.Dims))
            {
                throw InferenceException.InvalidArgument(
                    $"unexpected shape for input '{tensor.Name}' for model '{Name}'. Expected {TensorShape.Format(expected.Dims)}, got {TensorShape.Format(shape)}");
            }
        }

        var missing = _inputs.Values.Where(input => !input.Optional && !tensors.ContainsKey(input.Name)).Select(input => input.Name).ToList();
        if (missing.Count > 0)
        {
            throw InferenceException.InvalidArgument(
                $"expected {_inputs.Count} inputs but got {tensors.Count} inputs for model '{Name}'. Got input(s) {string.Join(", ", tensors.Keys)}, but missing required input(s) {string.Join(", ", missing)}");
        }
        return batch ?? 1;
    }

    private List<string> RequestedOutputs(ModelInferRequest request)
    {
        if (request.Outputs.Count == 0)
        {
            return [.. _outputs.Keys];
        }
        var names = new List<string>(request.Outputs.Count);
        foreach (var requested in request.Outputs)
        {
            if (!_outputs.ContainsKey(requested.Name))
            {
                throw InferenceException.InvalidArgument(
                    $"unexpected inference output '{requested.Name}' for model '{Name}'; outputs are: {string.Join(", ", _outputs.Keys)}");
            }
            names.Add(requested.Name);
        }
        return names;
    }

    private static OrtValue ToOrtValue(RequestTensor tensor)
    {
        if (tensor.Datatype == TritonDataType.Bytes)
        {
            var strings = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, tensor.Shape);
            for (var i = 0; i < tensor.Elements.Count; i++)
            {
                strings.StringTensorSetElementAt(tensor.Elements[i].Span, i);
            }
            return strings;
        }

        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, OnnxTypes.ToOnnx(tensor.Datatype), tensor.Shape);
        tensor.Data.Span.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    private (ModelInferResponse.Types.InferOutputTensor Metadata, ByteString Raw) FromOrtValue(string name, OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var metadata = new ModelInferResponse.Types.InferOutputTensor
        {
            Name = name,
            Datatype = TritonDataType.FromConfig(_outputs[name].DataType),
            Shape = { info.Shape },
        };

        if (info.ElementDataType == TensorElementType.String)
        {
            var count = (int)info.ElementCount;
            var elements = new ReadOnlyMemory<byte>[count];
            for (var i = 0; i < count; i++)
            {
                elements[i] = System.Text.Encoding.UTF8.GetBytes(value.GetStringElement(i));
            }
            return (metadata, BytesTensor.Join(elements));
        }

        return (metadata, ByteString.CopyFrom(value.GetTensorMutableRawData()));
    }

    /// <summary>Input values owned by one run, released together.</summary>
    private sealed class OrtValueList(int capacity) : List<OrtValue>(capacity), IDisposable
    {
        public void Dispose()
        {
            foreach (var value in this)
            {
                value.Dispose();
            }
        }
    }

    public override ValueTask DisposeAsync()
    {
        _session.Dispose();
        _options.Dispose();
        _instances.Dispose();
        return ValueTask.CompletedTask;
    }
}

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
    private readonly TimeProvider _time;
    private readonly DynamicBatcher? _batcher;

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
        _time = time;
        if (config.SchedulingChoiceCase == ModelConfig.SchedulingChoiceOneofCase.DynamicBatching && config.MaxBatchSize > 0)
        {
            _batcher = new DynamicBatcher(config, _instances, ExecuteBatchAsync, time);
        }

    }

    public override async IAsyncEnumerable<InferResult> InferAsync(ModelInferRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        CheckNamesAndTypes(request);
        var tensors = RequestTensors.Read(request);
        var batchSize = Validate(tensors);
        var outputNames = RequestedOutputs(request);

        if (_batcher is not null)
        {
            ModelInferResponse batched;
            using (Statistics.Enqueue())
            {
                batched = await _batcher.Enqueue(new BatchItem(tensors, batchSize, outputNames, _time.GetTimestamp(), cancellationToken))
                    .WaitAsync(cancellationToken);
            }
            batched.Id = request.Id;
            yield return new InferResult(batched, IsFinal: true);
            yield break;
        }

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

    /// <summary>Runs several requests as one: inputs joined along the batch dimension, outputs split back by rows.</summary>
    private Task ExecuteBatchAsync(IReadOnlyList<BatchItem> queued)
    {
        var batch = queued.Where(item => !item.CancellationToken.IsCancellationRequested).ToList();
        foreach (var item in queued.Except(batch))
        {
            item.Completion.TrySetCanceled(item.CancellationToken);
        }
        if (batch.Count == 0)
        {
            return Task.CompletedTask;
        }

        return Task.Run(() =>
        {
            try
            {
                var rows = batch.Sum(item => item.Rows);
                var phase = Stopwatch.GetTimestamp();
                using var values = new OrtValueList(batch[0].Tensors.Count);
                var names = new List<string>(batch[0].Tensors.Count);
                foreach (var name in batch[0].Tensors.Keys)
                {
                    names.Add(name);
                    values.Add(ToOrtValue(Join(batch.Select(item => item.Tensors[name]).ToList(), rows)));
                }
                var input = Stopwatch.GetElapsedTime(phase);

                phase = Stopwatch.GetTimestamp();
                var outputs = batch.SelectMany(item => item.Outputs).Distinct(StringComparer.Ordinal).ToList();
                using var runOptions = new RunOptions();
                using var results = _session.Run(runOptions, names, values, outputs);
                var infer = Stopwatch.GetElapsedTime(phase);

                phase = Stopwatch.GetTimestamp();
                var split = outputs.Select((name, i) => (name, Pieces: Split(name, results[i], batch))).ToDictionary(pair => pair.name, pair => pair.Pieces);
                var output = Stopwatch.GetElapsedTime(phase);

                for (var i = 0; i < batch.Count; i++)
                {
                    var item = batch[i];
                    var response = new ModelInferResponse { ModelName = Name, ModelVersion = Version.ToString() };
                    foreach (var name in item.Outputs)
                    {
                        response.Outputs.Add(split[name][i].Metadata);
                        response.RawOutputContents.Add(split[name][i].Raw);
                    }
                    var waited = _time.GetElapsedTime(item.EnqueuedAt);
                    Statistics.RecordSuccess(item.Rows, waited, waited - input - infer - output, input, infer, output, executions: i == 0 ? 1 : 0);
                    item.Completion.TrySetResult(response);
                }
            }
            catch (Exception error)
            {
                var failure = error is OnnxRuntimeException ? InferenceException.Internal($"onnxruntime failed to run '{Name}': {error.Message}") : error;
                foreach (var item in batch)
                {
                    item.Completion.TrySetException(failure);
                }
            }
        });
    }

    private static RequestTensor Join(List<RequestTensor> parts, long rows)
    {
        var first = parts[0];
        long[] shape = [rows, .. first.Shape[1..]];
        if (first.Datatype == TritonDataType.Bytes)
        {
            var elements = parts.SelectMany(part => part.Elements).ToList();
            return first with { Shape = shape, ElementCount = elements.Count, Elements = elements };
        }
        var data = new byte[parts.Sum(part => part.Data.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.Data.Span.CopyTo(data.AsSpan(offset));
            offset += part.Data.Length;
        }
        return first with { Shape = shape, ElementCount = parts.Sum(part => part.ElementCount), Data = data };
    }

    /// <summary>An output of a batched run, cut into each request's rows.</summary>
    private List<(ModelInferResponse.Types.InferOutputTensor Metadata, ByteString Raw)> Split(string name, OrtValue value, List<BatchItem> batch)
    {
        var (whole, raw) = FromOrtValue(name, value);
        var rows = batch.Sum(item => item.Rows);
        var pieces = new List<(ModelInferResponse.Types.InferOutputTensor, ByteString)>(batch.Count);
        if (whole.Datatype == TritonDataType.Bytes)
        {
            var elements = BytesTensor.Split(raw.Memory, name);
            var perRow = elements.Count / rows;
            var start = 0;
            foreach (var item in batch)
            {
                var count = (int)(perRow * item.Rows);
                pieces.Add((Piece(whole, item.Rows), BytesTensor.Join(elements.GetRange(start, count))));
                start += count;
            }
            return pieces;
        }

        var rowBytes = raw.Length / rows;
        var offset = 0;
        foreach (var item in batch)
        {
            var length = (int)(rowBytes * item.Rows);
            pieces.Add((Piece(whole, item.Rows), ByteString.CopyFrom(raw.Span.Slice(offset, length))));
            offset += length;
        }
        return pieces;
    }

    private static ModelInferResponse.Types.InferOutputTensor Piece(ModelInferResponse.Types.InferOutputTensor whole, long rows) =>
        new() { Name = whole.Name, Datatype = whole.Datatype, Shape = { rows, whole.Shape.Skip(1) } };

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

    public override async ValueTask DisposeAsync()
    {
        if (_batcher is not null)
        {
            await _batcher.DisposeAsync();
        }
        _session.Dispose();
        _options.Dispose();
        _instances.Dispose();
    }
}

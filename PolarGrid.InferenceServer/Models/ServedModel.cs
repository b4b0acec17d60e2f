using Inference;
using PolarGrid.InferenceServer.Telemetry;

namespace PolarGrid.InferenceServer.Models;

/// <summary>
/// One loaded version of a model, as a backend serves it. Requests hold a lease while they run so that an unload
/// waits for them before the backend's native resources are released.
/// </summary>
public abstract class ServedModel(string name, long version, ModelConfig config, TimeProvider time) : IAsyncDisposable
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _leases;
    private volatile bool _retiring;

    public string Name { get; } = name;
    public long Version { get; } = version;
    public ModelConfig Config { get; } = config;
    public ModelCounters Statistics { get; } = new(name, version, time);

    public bool IsDecoupled => Config.ModelTransactionPolicy?.Decoupled == true;

    /// <summary>Inputs as ModelMetadata reports them: with a leading -1 batch dimension when the model batches.</summary>
    public ModelMetadataResponse.Types.TensorMetadata[] Inputs =>
        field ??= Describe(Config.Input.Select(input => (input.Name, input.DataType, (IEnumerable<long>)input.Dims)));

    public ModelMetadataResponse.Types.TensorMetadata[] Outputs =>
        field ??= Describe(Config.Output.Select(output => (output.Name, output.DataType, (IEnumerable<long>)output.Dims)));

    /// <summary>
    /// Runs one request. A non-decoupled model yields exactly one response; a decoupled one yields any number,
    /// each marked final or not by <see cref="InferResult.IsFinal"/>.
    /// </summary>
    public abstract IAsyncEnumerable<InferResult> InferAsync(ModelInferRequest request, CancellationToken cancellationToken);

    public bool TryAcquire()
    {
        Interlocked.Increment(ref _leases);
        if (!_retiring)
        {
            return true;
        }
        Release();
        return false;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _leases) == 0 && _retiring)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Stops new requests, waits for running ones, then frees the backend.</summary>
    public async Task RetireAsync()
    {
        _retiring = true;
        if (Volatile.Read(ref _leases) == 0)
        {
            _drained.TrySetResult();
        }
        await _drained.Task;
        await DisposeAsync();
    }

    public abstract ValueTask DisposeAsync();

    private ModelMetadataResponse.Types.TensorMetadata[] Describe(IEnumerable<(string Name, DataType Type, IEnumerable<long> Dims)> tensors)
    {
        long[] batch = Config.MaxBatchSize > 0 ? [-1] : [];
        return tensors.Select(tensor => new ModelMetadataResponse.Types.TensorMetadata
        {
            Name = tensor.Name,
            Datatype = TritonDataType.FromConfig(tensor.Type),
            Shape = { batch.Concat(tensor.Dims) },
        }).ToArray();
    }
}

/// <summary>One response of a model, and whether it is the last for its request.</summary>
public sealed record InferResult(ModelInferResponse Response, bool IsFinal);

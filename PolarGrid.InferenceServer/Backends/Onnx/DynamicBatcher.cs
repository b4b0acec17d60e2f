using System.Threading.Channels;
using PolarGrid.InferenceServer.Models;

namespace PolarGrid.InferenceServer.Backends.Onnx;

/// <summary>A request waiting to be batched: its decoded inputs, its rows, and where its response goes.</summary>
public sealed class BatchItem(Dictionary<string, RequestTensor> tensors, long rows, List<string> outputs, long enqueuedAt, CancellationToken cancellationToken)
{
    public Dictionary<string, RequestTensor> Tensors { get; } = tensors;
    public long Rows { get; } = rows;
    public List<string> Outputs { get; } = outputs;
    public long EnqueuedAt { get; } = enqueuedAt;
    public CancellationToken CancellationToken { get; } = cancellationToken;
    public TaskCompletionSource<Inference.ModelInferResponse> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Requests can share a batch when their inputs agree on everything but the batch dimension.</summary>
    public string Signature { get; } = string.Join(';', tensors.Values.OrderBy(tensor => tensor.Name, StringComparer.Ordinal)
        .Select(tensor => $"{tensor.Name}:{tensor.Datatype}:{TensorShape.Format(tensor.Shape.Skip(1))}"));
}

/// <summary>
/// Triton's dynamic batcher for one model: requests that arrive within <c>max_queue_delay_microseconds</c> of the
/// first are run together, up to <c>max_batch_size</c> rows (sooner at a preferred batch size), each batch on a free
/// instance.
/// </summary>
public sealed class DynamicBatcher : IAsyncDisposable
{
    private readonly Channel<BatchItem> _queue = Channel.CreateUnbounded<BatchItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int _maxBatchSize;
    private readonly HashSet<long> _preferred;
    private readonly TimeSpan _maxDelay;
    private readonly SemaphoreSlim _instances;
    private readonly Func<IReadOnlyList<BatchItem>, Task> _execute;
    private readonly TimeProvider _time;
    private readonly Task _loop;

    public DynamicBatcher(Inference.ModelConfig config, SemaphoreSlim instances, Func<IReadOnlyList<BatchItem>, Task> execute, TimeProvider time)
    {
        _maxBatchSize = config.MaxBatchSize;
        _preferred = config.DynamicBatching.PreferredBatchSize.Select(size => (long)size).ToHashSet();
        _maxDelay = TimeSpan.FromMicroseconds(config.DynamicBatching.MaxQueueDelayMicroseconds);
        _instances = instances;
        _execute = execute;
        _time = time;
        _loop = Task.Run(RunAsync);
    }

    public Task<Inference.ModelInferResponse> Enqueue(BatchItem item)
    {
        if (!_queue.Writer.TryWrite(item))
        {
            throw InferenceException.Unavailable("the model is being unloaded");
        }
        return item.Completion.Task;
    }

    private async Task RunAsync()
    {
        BatchItem? carried = null;
        var reader = _queue.Reader;
        while (carried is not null || await reader.WaitToReadAsync())
        {
            if (carried is null && !reader.TryRead(out carried))
            {
                continue;
            }

            var batch = new List<BatchItem> { carried };
            var rows = carried.Rows;
            var deadline = carried.EnqueuedAt + (long)(_maxDelay.TotalSeconds * _time.TimestampFrequency);
            carried = null;

            while (rows < _maxBatchSize && !_preferred.Contains(rows))
            {
                if (reader.TryRead(out var next))
                {
                    if (next.Signature == batch[0].Signature && rows + next.Rows <= _maxBatchSize)
                    {
                        batch.Add(next);
                        rows += next.Rows;
                        continue;
                    }
                    carried = next; // Starts the next batch.
                    break;
                }

                var remaining = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
                if (remaining <= TimeSpan.Zero)
                {
                    break;
                }
                using var wait = new CancellationTokenSource(remaining, _time);
                try
                {
                    if (!await reader.WaitToReadAsync(wait.Token))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException)
                {
                    break; // The queue delay is over: run what we have.
                }
            }

            await _instances.WaitAsync();
            _ = RunBatchAsync(batch);
        }
    }

    private async Task RunBatchAsync(List<BatchItem> batch)
    {
        try
        {
            await _execute(batch);
        }
        finally
        {
            _instances.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }
}

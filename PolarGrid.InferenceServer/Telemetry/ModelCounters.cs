using System.Diagnostics;
using Inference;

namespace PolarGrid.InferenceServer.Telemetry;

/// <summary>Why a request failed, as Triton's <c>nv_inference_request_failure{reason}</c> labels it.</summary>
public enum FailureReason
{
    Rejected,
    Canceled,
    Backend,
    Other,
}

/// <summary>
/// Counters for one loaded model version, read by the ModelStatistics RPC and the Prometheus endpoint, so both report
/// the same numbers. Lock-free: every request updates them.
/// </summary>
public sealed class ModelCounters(string name, long version, TimeProvider time)
{
    /// <summary>Upper bounds (ms) of <c>nv_inference_first_response_histogram_ms</c>.</summary>
    public static readonly double[] FirstResponseBucketsMs = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

    private readonly long[] _firstResponseBuckets = new long[FirstResponseBucketsMs.Length + 1];
    private readonly long[] _failures = new long[4];
    private Duration _success, _fail, _queue, _computeInput, _computeInfer, _computeOutput;
    private long _inferenceCount, _executionCount, _lastInferenceMs, _pending, _firstResponseSumNs, _firstResponseCount;

    public string Name { get; } = name;
    public long Version { get; } = version;

    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>Marks a request as received; dispose the result when it starts executing.</summary>
    public PendingRequest Enqueue() => new(this);

    /// <param name="executions">Model executions this request started: 0 for a request that rode in another's batch.</param>
    public void RecordSuccess(long batchSize, TimeSpan total, TimeSpan queue, TimeSpan input, TimeSpan infer, TimeSpan output, int executions = 1)
    {
        Interlocked.Add(ref _inferenceCount, batchSize);
        Interlocked.Add(ref _executionCount, executions);
        Interlocked.Exchange(ref _lastInferenceMs, time.GetUtcNow().ToUnixTimeMilliseconds());
        _success.Add(total);
        _queue.Add(queue);
        _computeInput.Add(input);
        _computeInfer.Add(infer);
        _computeOutput.Add(output);
    }

    public void RecordFailure(FailureReason reason, TimeSpan total)
    {
        Interlocked.Increment(ref _failures[(int)reason]);
        _fail.Add(total);
    }

    public void RecordFirstResponse(TimeSpan elapsed)
    {
        var ms = elapsed.TotalMilliseconds;
        var bucket = Array.FindIndex(FirstResponseBucketsMs, bound => ms <= bound);
        Interlocked.Increment(ref _firstResponseBuckets[bucket < 0 ? FirstResponseBucketsMs.Length : bucket]);
        Interlocked.Add(ref _firstResponseSumNs, elapsed.Ticks * 100);
        Interlocked.Increment(ref _firstResponseCount);
    }

    public MetricsSnapshot Snapshot() => new(
        Interlocked.Read(ref _inferenceCount),
        Interlocked.Read(ref _executionCount),
        _success.Read(), _fail.Read(), _queue.Read(),
        _computeInput.Read(), _computeInfer.Read(), _computeOutput.Read(),
        (long[])_failures.Clone(),
        Pending,
        (long[])_firstResponseBuckets.Clone(),
        Interlocked.Read(ref _firstResponseSumNs),
        Interlocked.Read(ref _firstResponseCount));

    public Inference.ModelStatistics ToProto()
    {
        var snapshot = Snapshot();
        return new Inference.ModelStatistics
        {
            Name = Name,
            Version = Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            LastInference = (ulong)Interlocked.Read(ref _lastInferenceMs),
            InferenceCount = (ulong)snapshot.InferenceCount,
            ExecutionCount = (ulong)snapshot.ExecutionCount,
            InferenceStats = new InferStatistics
            {
                Success = snapshot.Success.ToProto(),
                Fail = snapshot.Fail.ToProto(),
                Queue = snapshot.Queue.ToProto(),
                ComputeInput = snapshot.ComputeInput.ToProto(),
                ComputeInfer = snapshot.ComputeInfer.ToProto(),
                ComputeOutput = snapshot.ComputeOutput.ToProto(),
                CacheHit = new StatisticDuration(),
                CacheMiss = new StatisticDuration(),
            },
        };
    }

    public readonly struct PendingRequest : IDisposable
    {
        private readonly ModelCounters _owner;
        private readonly long _startedAt;

        internal PendingRequest(ModelCounters owner)
        {
            _owner = owner;
            _startedAt = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref owner._pending);
        }

        public TimeSpan Waited => Stopwatch.GetElapsedTime(_startedAt);

        public void Dispose() => Interlocked.Decrement(ref _owner._pending);
    }

    private struct Duration
    {
        private long _count;
        private long _nanoseconds;

        public void Add(TimeSpan elapsed)
        {
            Interlocked.Increment(ref _count);
            Interlocked.Add(ref _nanoseconds, elapsed.Ticks * 100);
        }

        public readonly CountedDuration Read() => new(Volatile.Read(in _count), Volatile.Read(in _nanoseconds));
    }
}

public readonly record struct CountedDuration(long Count, long Nanoseconds)
{
    public StatisticDuration ToProto() => new() { Count = (ulong)Count, Ns = (ulong)Nanoseconds };
}

public sealed record MetricsSnapshot(
    long InferenceCount,
    long ExecutionCount,
    CountedDuration Success,
    CountedDuration Fail,
    CountedDuration Queue,
    CountedDuration ComputeInput,
    CountedDuration ComputeInfer,
    CountedDuration ComputeOutput,
    long[] FailuresByReason,
    long Pending,
    long[] FirstResponseBuckets,
    long FirstResponseSumNs,
    long FirstResponseCount);

using System.Collections.Concurrent;
using PolarGrid.Staging;

namespace PolarGrid.Sidecar;

/// <summary>The last package the sidecar finished.</summary>
public sealed record FinishedJob(string JobId, string Model, PackageState State, string? Reason, long? Version, DateTimeOffset At);

/// <summary>
/// What the sidecar is doing, for its health report, and the models it has seen fail (kept in memory only: a restart
/// of the sidecar is a deliberate fresh try).
/// </summary>
public sealed class SidecarState
{
    private readonly ConcurrentDictionary<string, string> _failedModels = new(StringComparer.Ordinal);
    private volatile string? _currentJob;
    private volatile FinishedJob? _lastJob;
    private volatile string? _problem;
    private DateTimeOffset? _lastScan;

    public string? CurrentJob => _currentJob;

    public FinishedJob? LastJob => _lastJob;

    /// <summary>Why the last cycle did not complete (Triton unreachable, a volume missing); null once one does.</summary>
    public string? Problem => _problem;

    public DateTimeOffset? LastScan => _lastScan;

    /// <summary>Models whose load from the repository failed; the reconciler does not retry them.</summary>
    public IReadOnlyDictionary<string, string> FailedModels => _failedModels;

    public void Begin(string jobId) => _currentJob = jobId;

    public void Finish(FinishedJob job)
    {
        _lastJob = job;
        _currentJob = null;
    }

    public void Abandon() => _currentJob = null;

    public void CycleCompleted(DateTimeOffset at)
    {
        _lastScan = at;
        _problem = null;
    }

    public void CycleFailed(string problem) => _problem = problem;

    public bool HasFailed(string model) => _failedModels.ContainsKey(model);

    public void MarkFailed(string model, string reason) => _failedModels[model] = reason;

    /// <summary>A new package for the model (or its removal) replaces whatever failed before.</summary>
    public void ClearFailure(string model) => _failedModels.TryRemove(model, out _);
}

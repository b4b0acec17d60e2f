using PolarGrid.Routing;

namespace PolarGrid.ControlPlane.Collection;

/// <summary>
/// This replica's part in collection: its instance id, whether it holds the collector lock, and what its last
/// collection found. Read by <c>/health</c> and the meters.
/// </summary>
public sealed class CollectorStatus
{
    private volatile Round? _lastRound;
    private volatile bool _isLeader;

    /// <summary>Unique per process and per host instance (tests run two replicas in one process).</summary>
    public string InstanceId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}".ToLowerInvariant();

    public bool IsLeader
    {
        get => _isLeader;
        set => _isLeader = value;
    }

    public Round? LastRound => _lastRound;

    public void Completed(DateTimeOffset at, IReadOnlyList<NodeObservation> observations) =>
        _lastRound = new Round(at, observations
            .GroupBy(observation => observation.State, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Count(), StringComparer.Ordinal));

    /// <summary>A finished collection: when, and how many nodes it found in each state.</summary>
    public sealed record Round(DateTimeOffset At, IReadOnlyDictionary<string, int> NodesByState)
    {
        public int Count(string state) => NodesByState.GetValueOrDefault(state);

        public static readonly string[] States = [RoutedNode.Healthy, RoutedNode.Degraded, RoutedNode.Down];
    }
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using PolarGrid.ControlPlane.Collection;
using PolarGrid.ControlPlane.Routing;

namespace PolarGrid.ControlPlane.Telemetry;

/// <summary>
/// The control plane's spans and metrics: collections (count, duration, outcome), nodes by state as the collecting
/// replica last saw them, whether this replica collects, and the routing-table version it serves (and if stale).
/// </summary>
public sealed class ControlPlaneTelemetry : IDisposable
{
    public const string Name = "PolarGrid.ControlPlane";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter _meter;
    private readonly Counter<long> _collections;
    private readonly Histogram<double> _collectionDuration;

    public ControlPlaneTelemetry(IMeterFactory meters, CollectorStatus collector, RoutingTableSource routingTable)
    {
        _meter = meters.Create(Name);
        _collections = _meter.CreateCounter<long>("polargrid.controlplane.collections", "{collection}",
            "Collections of every node's /health, by outcome");
        _collectionDuration = _meter.CreateHistogram<double>("polargrid.controlplane.collection.duration", "s",
            "Time to pull every node and publish the routing table",
            advice: new() { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

        _meter.CreateObservableGauge("polargrid.controlplane.nodes", () => NodesByState(collector), "{node}",
            "Nodes in each state at this replica's last collection (only the collecting replica reports)");
        _meter.CreateObservableGauge("polargrid.controlplane.leader", () => collector.IsLeader ? 1 : 0, "{replica}",
            "1 while this replica holds the collector lock");
        _meter.CreateObservableGauge("polargrid.controlplane.routing_table.version", () => ServedVersion(routingTable), "{version}",
            "The routing-table version this replica serves, tagged stale when Postgres could not be read");
    }

    public void CollectionCompleted(TimeSpan duration)
    {
        _collections.Add(1, new KeyValuePair<string, object?>("outcome", "completed"));
        _collectionDuration.Record(duration.TotalSeconds);
    }

    public void CollectionFailed() => _collections.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));

    private static IEnumerable<Measurement<int>> NodesByState(CollectorStatus collector)
    {
        if (!collector.IsLeader || collector.LastRound is not { } round)
        {
            yield break;
        }
        foreach (var state in CollectorStatus.Round.States)
        {
            yield return new Measurement<int>(round.Count(state), new KeyValuePair<string, object?>("state", state));
        }
    }

    private static IEnumerable<Measurement<long>> ServedVersion(RoutingTableSource routingTable)
    {
        if (routingTable.Current is { } served)
        {
            yield return new Measurement<long>(served.Table.Version, new KeyValuePair<string, object?>("stale", served.Table.Stale));
        }
    }

    public void Dispose() => _meter.Dispose();
}

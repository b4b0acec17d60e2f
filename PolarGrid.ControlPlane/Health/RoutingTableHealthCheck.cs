using Microsoft.Extensions.Diagnostics.HealthChecks;
using PolarGrid.ControlPlane.Collection;
using PolarGrid.ControlPlane.Routing;

namespace PolarGrid.ControlPlane.Health;

/// <summary>
/// What this replica serves and whether it collects: the routing-table version, whether it is stale, and the
/// collector lock. Degraded while the table is stale or not loaded yet.
/// </summary>
public sealed class RoutingTableHealthCheck(RoutingTableSource source, CollectorStatus collector) : IHealthCheck
{
    public const string Name = "routing-table";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["instance"] = collector.InstanceId,
            ["collector_leader"] = collector.IsLeader,
        };
        if (collector.LastRound is { } round)
        {
            data["last_collection_at"] = round.At;
        }
        if (source.Current is not { } served)
        {
            return Task.FromResult(HealthCheckResult.Degraded("No routing table has been loaded yet.", data: data));
        }

        data["version"] = served.Table.Version;
        data["stale"] = served.Table.Stale;
        data["generated_at"] = served.Table.GeneratedAt;
        return Task.FromResult(served.Table.Stale
            ? HealthCheckResult.Degraded($"Serving routing table version {served.Table.Version} as stale.", data: data)
            : HealthCheckResult.Healthy($"Serving routing table version {served.Table.Version}.", data));
    }
}

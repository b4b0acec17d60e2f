using System.Security.Cryptography;
using System.Text.Json;
using PolarGrid.ControlPlane.Data;
using PolarGrid.Routing;

namespace PolarGrid.ControlPlane.Routing;

/// <summary>Builds the routing table's nodes from the collected snapshots, and fingerprints its content.</summary>
public static class RoutingTableBuilder
{
    public static IReadOnlyList<RoutedNode> Build(IReadOnlyList<NodeSnapshot> snapshots) =>
        snapshots.Select(snapshot => snapshot.Latest is { } latest
                ? new RoutedNode(snapshot.Colo, snapshot.Region, new Uri(snapshot.PublicUrl), snapshot.Latitude, snapshot.Longitude,
                    latest.State, snapshot.LastSeenAt, latest.Models,
                    latest.State == RoutedNode.Down
                        ? MetricsCalculator.None
                        : MetricsCalculator.Calculate(latest.CollectedAt, latest.Traffic, snapshot.BaselineAt, snapshot.Baseline))
                // Registered but not collected yet.
                : new RoutedNode(snapshot.Colo, snapshot.Region, new Uri(snapshot.PublicUrl), snapshot.Latitude, snapshot.Longitude,
                    RoutedNode.Unknown, snapshot.LastSeenAt, [], MetricsCalculator.None))
            .ToList();

    /// <summary>
    /// SHA-256 of the content that makes a new version: everything but <c>last_seen_at</c>, which moves at every
    /// collection and would otherwise make every table a new one (it is refreshed by
    /// <see cref="RoutingTableOptions.RefreshAfter"/> instead).
    /// </summary>
    public static string ContentHash(IReadOnlyList<RoutedNode> nodes)
    {
        var content = new RoutingTable(0, DateTimeOffset.UnixEpoch, false, nodes.Select(node => node with { LastSeenAt = null }).ToList());
        return Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(content, RoutingJsonContext.Default.RoutingTable)));
    }
}

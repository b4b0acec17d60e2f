using System.Text.Json;
using Npgsql;
using PolarGrid.ControlPlane.Collection;
using PolarGrid.Routing;

namespace PolarGrid.ControlPlane.Data;

/// <summary>A registered node with its newest sample, the sample that starts its metrics window, and when it last answered.</summary>
public sealed record NodeSnapshot(
    string Colo,
    string Region,
    string PublicUrl,
    double? Latitude,
    double? Longitude,
    NodeObservation? Latest,
    DateTimeOffset? BaselineAt,
    NodeTraffic? Baseline,
    DateTimeOffset? LastSeenAt);

/// <summary>Reads every node's snapshot in one query, inside the publisher's transaction.</summary>
public static class NodeSnapshotReader
{
    // The baseline is the oldest sample inside the window from the same gateway run (same started_at), so a restart
    // inside the window never produces negative differences.
    private const string Query = """
        SELECT n.colo, n.region, n.public_url, n.latitude, n.longitude,
               l.collected_at, l.state, l.reason, l.latency_ms, l.models, l.traffic,
               b.collected_at, b.traffic,
               seen.collected_at
        FROM nodes n
        LEFT JOIN LATERAL (
            SELECT collected_at, state, reason, latency_ms, models, traffic FROM node_samples s
            WHERE s.colo = n.colo ORDER BY s.collected_at DESC, s.id DESC LIMIT 1) l ON true
        LEFT JOIN LATERAL (
            SELECT collected_at, traffic FROM node_samples s
            WHERE s.colo = n.colo AND s.traffic IS NOT NULL AND l.traffic IS NOT NULL
              AND s.collected_at < l.collected_at AND s.collected_at >= l.collected_at - @window
              AND s.traffic ->> 'started_at' = l.traffic ->> 'started_at'
            ORDER BY s.collected_at LIMIT 1) b ON true
        LEFT JOIN LATERAL (
            SELECT collected_at FROM node_samples s
            WHERE s.colo = n.colo AND s.state <> 'down'
            ORDER BY s.collected_at DESC LIMIT 1) seen ON true
        ORDER BY n.colo
        """;

    public static async Task<IReadOnlyList<NodeSnapshot>> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TimeSpan metricsWindow, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Query, connection, transaction);
        command.Parameters.AddWithValue("window", metricsWindow);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var snapshots = new List<NodeSnapshot>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var colo = reader.GetString(0);
            NodeObservation? latest = reader.IsDBNull(5) ? null : new NodeObservation(
                colo,
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetDouble(8),
                JsonSerializer.Deserialize(reader.GetString(9), CollectionJsonContext.Default.ListRoutedModel) ?? [],
                Traffic(reader, 10));
            snapshots.Add(new NodeSnapshot(
                colo,
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetDouble(3),
                reader.IsDBNull(4) ? null : reader.GetDouble(4),
                latest,
                reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
                Traffic(reader, 12),
                reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13)));
        }
        return snapshots;
    }

    private static NodeTraffic? Traffic(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : JsonSerializer.Deserialize(reader.GetString(ordinal), CollectionJsonContext.Default.NodeTraffic);
}

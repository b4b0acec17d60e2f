using Npgsql;

namespace PolarGrid.ControlPlane.Data;

/// <summary>A registered node and, once collected, what the last pull of its <c>/health</c> found.</summary>
public sealed record Node(
    string Colo, string Region, string PublicUrl, double? Latitude, double? Longitude, DateTimeOffset UpdatedAt, NodeStatus? Status);

public sealed record NodeStatus(string State, string? Reason, DateTimeOffset CheckedAt, double? LatencyMs);

/// <summary>Reads and writes the node registry.</summary>
public sealed class NodeRepository(NpgsqlDataSource dataSource)
{
    private const string SelectNodes = """
        SELECT n.colo, n.region, n.public_url, n.latitude, n.longitude, n.updated_at,
               s.state, s.reason, s.collected_at, s.latency_ms
        FROM nodes n
        LEFT JOIN LATERAL (
            SELECT state, reason, collected_at, latency_ms FROM node_samples
            WHERE colo = n.colo ORDER BY collected_at DESC LIMIT 1) s ON true
        """;

    public async Task<IReadOnlyList<Node>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(SelectNodes + " ORDER BY n.colo");
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<Node?> FindAsync(string colo, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(SelectNodes + " WHERE n.colo = @colo");
        command.Parameters.AddWithValue("colo", colo);
        return (await ReadAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>Adds a node; false when one with that colo is already registered.</summary>
    public async Task<bool> InsertAsync(NodeRegistration node, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO nodes (colo, region, public_url, latitude, longitude)
            VALUES (@colo, @region, @public_url, @latitude, @longitude)
            ON CONFLICT (colo) DO NOTHING
            """);
        AddParameters(command, node);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Inserts or updates a node; safe to run from every replica at once. True when the node was new.
    /// </summary>
    public async Task<bool> UpsertAsync(NodeRegistration node, CancellationToken cancellationToken)
    {
        // xmax is 0 only on a freshly inserted row; an unchanged node updates nothing and returns no row.
        await using var command = dataSource.CreateCommand("""
            INSERT INTO nodes (colo, region, public_url, latitude, longitude)
            VALUES (@colo, @region, @public_url, @latitude, @longitude)
            ON CONFLICT (colo) DO UPDATE SET
                region = EXCLUDED.region,
                public_url = EXCLUDED.public_url,
                latitude = EXCLUDED.latitude,
                longitude = EXCLUDED.longitude,
                updated_at = now()
            WHERE (nodes.region, nodes.public_url, nodes.latitude, nodes.longitude)
                IS DISTINCT FROM (EXCLUDED.region, EXCLUDED.public_url, EXCLUDED.latitude, EXCLUDED.longitude)
            RETURNING (xmax = 0)
            """);
        AddParameters(command, node);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>Removes a node and its collected history; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string colo, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM nodes WHERE colo = @colo");
        command.Parameters.AddWithValue("colo", colo);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static void AddParameters(NpgsqlCommand command, NodeRegistration node)
    {
        command.Parameters.AddWithValue("colo", node.Colo);
        command.Parameters.AddWithValue("region", node.Region);
        command.Parameters.AddWithValue("public_url", node.PublicUrl!.ToString());
        command.Parameters.AddWithValue("latitude", (object?)node.Latitude ?? DBNull.Value);
        command.Parameters.AddWithValue("longitude", (object?)node.Longitude ?? DBNull.Value);
    }

    private static async Task<IReadOnlyList<Node>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var nodes = new List<Node>();
        while (await reader.ReadAsync(cancellationToken))
        {
            nodes.Add(new Node(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetDouble(3),
                reader.IsDBNull(4) ? null : reader.GetDouble(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : new NodeStatus(
                    reader.GetString(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7),
                    reader.GetFieldValue<DateTimeOffset>(8),
                    reader.IsDBNull(9) ? null : reader.GetDouble(9))));
        }
        return nodes;
    }
}

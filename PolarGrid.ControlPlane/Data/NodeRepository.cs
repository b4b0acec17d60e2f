using Npgsql;

namespace PolarGrid.ControlPlane.Data;

public sealed record Node(string Colo, string Region, string PublicUrl, double? Latitude, double? Longitude, DateTimeOffset UpdatedAt);

/// <summary>Reads and writes the node registry.</summary>
public sealed class NodeRepository(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<Node>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT colo, region, public_url, latitude, longitude, updated_at FROM nodes ORDER BY colo");
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
                reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return nodes;
    }

    /// <summary>Inserts or updates a node; safe to run from every replica at once.</summary>
    public async Task UpsertAsync(NodeRegistration node, CancellationToken cancellationToken)
    {
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
            """);
        command.Parameters.AddWithValue("colo", node.Colo);
        command.Parameters.AddWithValue("region", node.Region);
        command.Parameters.AddWithValue("public_url", node.PublicUrl!.ToString());
        command.Parameters.AddWithValue("latitude", (object?)node.Latitude ?? DBNull.Value);
        command.Parameters.AddWithValue("longitude", (object?)node.Longitude ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

using System.Text.Json;
using Npgsql;
using PolarGrid.Routing;

namespace PolarGrid.ControlPlane.Data;

/// <summary>The newest published version: what the publisher compares a freshly built table against.</summary>
public sealed record PublishedVersion(long Version, string ContentHash, DateTimeOffset GeneratedAt);

/// <summary>Published routing tables, newest last.</summary>
public sealed class RoutingTableRepository(NpgsqlDataSource dataSource)
{
    /// <summary>The newest table if it is newer than <paramref name="knownVersion"/>; null when there is none newer.</summary>
    public async Task<RoutingTable?> ReadNewerAsync(long knownVersion, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT payload FROM routing_tables WHERE version > @known ORDER BY version DESC LIMIT 1");
        command.Parameters.AddWithValue("known", knownVersion);
        return await command.ExecuteScalarAsync(cancellationToken) is string payload
            ? JsonSerializer.Deserialize(payload, RoutingJsonContext.Default.RoutingTable)
            : null;
    }

    public static async Task<PublishedVersion?> ReadLatestAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT version, content_hash, generated_at FROM routing_tables ORDER BY version DESC LIMIT 1", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new PublishedVersion(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2))
            : null;
    }

    /// <summary>Stores a new version and removes all but the newest <paramref name="keep"/> (the new one always stays).</summary>
    public static async Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, RoutingTable table, string contentHash, int keep,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO routing_tables (version, content_hash, payload, generated_at)
            VALUES (@version, @content_hash, @payload, @generated_at)
            """);
        insert.Parameters.AddWithValue("version", table.Version);
        insert.Parameters.AddWithValue("content_hash", contentHash);
        insert.Parameters.AddWithValue("payload", JsonSerializer.Serialize(table, RoutingJsonContext.Default.RoutingTable));
        insert.Parameters.AddWithValue("generated_at", table.GeneratedAt);
        batch.BatchCommands.Add(insert);

        var prune = new NpgsqlBatchCommand("""
            DELETE FROM routing_tables
            WHERE version NOT IN (SELECT version FROM routing_tables ORDER BY version DESC LIMIT @keep)
            """);
        prune.Parameters.AddWithValue("keep", Math.Max(1, keep));
        batch.BatchCommands.Add(prune);

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}

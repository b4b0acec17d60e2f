using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using PolarGrid.ControlPlane.Collection;

namespace PolarGrid.ControlPlane.Data;

/// <summary>Collected samples: written by the collecting replica, bounded by <see cref="HistoryOptions"/>.</summary>
public sealed class SampleRepository(
    NpgsqlDataSource dataSource,
    IOptions<HistoryOptions> history,
    TimeProvider time,
    ILogger<SampleRepository> logger)
{
    /// <summary>
    /// Records one collection and prunes in the same transaction (a batch is one), so the history bound holds at every
    /// instant: keeps the newest <see cref="HistoryOptions.SamplesPerNode"/> per node, none older than
    /// <see cref="HistoryOptions.MaxAge"/>.
    /// </summary>
    public async Task InsertAndPruneAsync(IReadOnlyList<NodeObservation> observations, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var observation in observations)
        {
            // A node removed by the admin API while its pull was under way has nowhere to go: skipped, not an error.
            var command = new NpgsqlBatchCommand("""
                INSERT INTO node_samples (colo, collected_at, state, reason, latency_ms, models, traffic)
                SELECT @colo, @collected_at, @state, @reason, @latency_ms, @models, @traffic
                WHERE EXISTS (SELECT 1 FROM nodes WHERE colo = @colo)
                """);
            command.Parameters.AddWithValue("colo", observation.Colo);
            command.Parameters.AddWithValue("collected_at", observation.CollectedAt);
            command.Parameters.AddWithValue("state", observation.State);
            command.Parameters.AddWithValue("reason", (object?)observation.Reason ?? DBNull.Value);
            command.Parameters.AddWithValue("latency_ms", (object?)observation.LatencyMs ?? DBNull.Value);
            command.Parameters.AddWithValue("models", NpgsqlDbType.Jsonb,
                JsonSerializer.Serialize(observation.Models.ToList(), CollectionJsonContext.Default.ListRoutedModel));
            command.Parameters.AddWithValue("traffic", NpgsqlDbType.Jsonb, observation.Traffic is { } traffic
                ? JsonSerializer.Serialize(traffic, CollectionJsonContext.Default.NodeTraffic)
                : DBNull.Value);
            batch.BatchCommands.Add(command);
        }

        var prune = new NpgsqlBatchCommand("""
            DELETE FROM node_samples
            WHERE collected_at < @oldest
               OR id IN (
                    SELECT id FROM (
                        SELECT id, row_number() OVER (PARTITION BY colo ORDER BY collected_at DESC, id DESC) AS newest_first
                        FROM node_samples) ranked
                    WHERE newest_first > @keep)
            """);
        prune.Parameters.AddWithValue("oldest", time.GetUtcNow() - history.Value.MaxAge);
        prune.Parameters.AddWithValue("keep", history.Value.SamplesPerNode);
        batch.BatchCommands.Add(prune);

        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
            if (prune.RecordsAffected > 0)
            {
                logger.LogDebug("Pruned {SampleCount} samples beyond the history bound", prune.RecordsAffected);
            }
        }
        catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // The node went between the EXISTS and the insert; this round's samples are dropped, the next round's count.
            logger.LogInformation("A node was removed while its samples were written; this collection's samples are skipped");
        }
    }
}

using Microsoft.Extensions.Options;
using Npgsql;
using PolarGrid.ControlPlane.Routing;

namespace PolarGrid.ControlPlane.Data;

/// <summary>
/// Runs before the server listens: migrates the schema, registers the configured nodes, publishes the routing table
/// if that changed it, and loads it, so a replica never listens without a table to serve. Postgres may still be
/// starting when a replica starts, so connection failures are retried for a bounded time.
/// </summary>
public sealed class DatabaseInitializer(
    SchemaMigrator migrator,
    NodeRepository nodes,
    RoutingTablePublisher publisher,
    RoutingTableSource routingTable,
    IOptions<ControlPlaneOptions> options,
    TimeProvider time,
    ILogger<DatabaseInitializer> logger) : IHostedService
{
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var giveUpAt = time.GetUtcNow() + RetryFor;
        while (true)
        {
            try
            {
                await migrator.MigrateAsync(cancellationToken);
                foreach (var node in options.Value.Nodes)
                {
                    await nodes.UpsertAsync(node, cancellationToken);
                }
                logger.LogInformation("Node registry holds the {NodeCount} configured nodes", options.Value.Nodes.Count);
                await publisher.PublishAsync(cancellationToken);
                await routingTable.RefreshAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException error) when (error.IsTransient && time.GetUtcNow() < giveUpAt)
            {
                logger.LogWarning("Postgres is not reachable yet ({Reason}); retrying", error.Message);
                await Task.Delay(RetryDelay, time, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

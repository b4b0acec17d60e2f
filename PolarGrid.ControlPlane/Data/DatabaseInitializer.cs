using Microsoft.Extensions.Options;
using Npgsql;

namespace PolarGrid.ControlPlane.Data;

/// <summary>
/// Runs before the server listens: migrates the schema and registers the configured nodes. Postgres may still be
/// starting when a replica starts, so connection failures are retried for a bounded time.
/// </summary>
public sealed class DatabaseInitializer(
    SchemaMigrator migrator,
    NodeRepository nodes,
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

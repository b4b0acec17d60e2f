using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using PolarGrid.ControlPlane.Routing;

namespace PolarGrid.ControlPlane.Health;

/// <summary>
/// Whether Postgres answers. Registered as degraded on failure, not unhealthy: without its database a replica still
/// serves its last routing table (stale), and an orchestrator's readiness probe must not take it out of rotation.
/// </summary>
public sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource, IOptions<RoutingTableOptions> options) : IHealthCheck
{
    public const string Name = "postgres";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.DatabaseTimeout);
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(deadline.Token);
            return HealthCheckResult.Healthy("Postgres answers.");
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested && RoutingTableSource.IsDatabaseFailure(error))
        {
            return new HealthCheckResult(context.Registration.FailureStatus,
                $"Postgres does not answer ({error.GetType().Name}); the last routing table is served as stale.");
        }
    }
}

using Microsoft.Extensions.Options;
using Npgsql;
using PolarGrid.ControlPlane.Data;
using PolarGrid.ControlPlane.Telemetry;
using PolarGrid.Routing;

namespace PolarGrid.ControlPlane.Routing;

/// <summary>
/// Builds the routing table from Postgres and stores it as a new version when its content changed. Runs after each
/// collection and after each admin change, from any replica: a transaction-scoped advisory lock serialises
/// publishers, so versions only grow and the same content never gets two versions in a row.
/// </summary>
public sealed class RoutingTablePublisher(
    NpgsqlDataSource dataSource,
    IOptions<RoutingTableOptions> options,
    IOptions<CollectorOptions> collector,
    IOptions<HistoryOptions> history,
    TimeProvider time,
    ILogger<RoutingTablePublisher> logger)
{
    // Arbitrary but fixed, and distinct from the migration and collector locks.
    private const long PublishLockKey = 0x506F6C617250;

    /// <summary>Publishes if needed; returns the newest version either way.</summary>
    public async Task<long> PublishAsync(CancellationToken cancellationToken)
    {
        using var activity = ControlPlaneTelemetry.ActivitySource.StartActivity("publish routing table");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", PublishLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        var latest = await RoutingTableRepository.ReadLatestAsync(connection, transaction, cancellationToken);
        var snapshots = await NodeSnapshotReader.ReadAsync(connection, transaction, collector.Value.MetricsWindow, cancellationToken);
        var nodes = RoutingTableBuilder.Build(snapshots);
        var hash = RoutingTableBuilder.ContentHash(nodes);
        var now = time.GetUtcNow();

        if (latest is not null && latest.ContentHash == hash && now - latest.GeneratedAt < options.Value.RefreshAfter)
        {
            await transaction.CommitAsync(cancellationToken);
            activity?.SetTag("polargrid.routing_table.version", latest.Version);
            return latest.Version;
        }

        // Milliseconds are plenty, and the payload then reads the same in every language's date parser.
        var generatedAt = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
        // The publication time in Unix milliseconds, or the previous version + 1 if that is not larger: consecutive
        // publishes still always grow, and so do versions published after Postgres lost its newest rows (a restore, a
        // failover to a replica that lagged), which replicas and clients may already hold.
        var version = Math.Max((latest?.Version ?? 0) + 1, generatedAt.ToUnixTimeMilliseconds());
        var table = new RoutingTable(version, generatedAt, Stale: false, nodes);
        await RoutingTableRepository.InsertAsync(connection, transaction, table, hash, history.Value.TableVersions, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        activity?.SetTag("polargrid.routing_table.version", table.Version);
        logger.LogInformation("Published routing table version {Version} ({NodeCount} nodes, {Reason})",
            table.Version, nodes.Count, latest?.ContentHash == hash ? "refreshed" : "content changed");
        return table.Version;
    }
}

using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Npgsql;
using PolarGrid.ControlPlane.Data;
using PolarGrid.Routing;

namespace PolarGrid.ControlPlane.Routing;

/// <summary>A signed table ready to send: its body bytes and its entity tag.</summary>
public sealed record ServedRoutingTable(RoutingTable Table, byte[] Body, EntityTagHeaderValue ETag)
{
    public static ServedRoutingTable Sign(RoutingTable table, RoutingTableSigner signer)
    {
        var signed = signer.Sign(table);
        // Weak: ECDSA signatures differ at every signing, so two replicas serve the same table in different bytes.
        var tag = new EntityTagHeaderValue($"\"{table.Version}{(table.Stale ? "-stale" : "")}\"", isWeak: true);
        return new ServedRoutingTable(table, JsonSerializer.SerializeToUtf8Bytes(signed, RoutingJsonContext.Default.SignedRoutingTable), tag);
    }
}

/// <summary>
/// The table this replica serves, held in memory and refreshed from Postgres in the background: requests never wait
/// on the database, and when Postgres cannot be read the last table goes on being served, re-signed with
/// <c>stale: true</c>. The version served never goes down.
/// </summary>
public sealed class RoutingTableSource(
    RoutingTableRepository tables,
    RoutingKeyRing keys,
    IOptions<RoutingTableOptions> options,
    ILogger<RoutingTableSource> logger)
{
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile ServedRoutingTable? _current;

    /// <summary>Null only before the first successful read.</summary>
    public ServedRoutingTable? Current => _current;

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var current = _current;
            RoutingTable? newer;
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                deadline.CancelAfter(options.Value.DatabaseTimeout);
                try
                {
                    newer = await tables.ReadNewerAsync(current?.Table.Version ?? 0, deadline.Token);
                }
                catch (Exception error) when (!cancellationToken.IsCancellationRequested && IsDatabaseFailure(error))
                {
                    GoStale(current, error);
                    return;
                }
            }

            if (newer is not null)
            {
                _current = ServedRoutingTable.Sign(newer with { Stale = false }, keys.Signer);
            }
            else if (current is { Table.Stale: true })
            {
                _current = ServedRoutingTable.Sign(current.Table with { Stale = false }, keys.Signer);
                logger.LogInformation("Postgres is reachable again; routing table version {Version} is fresh", current.Table.Version);
            }
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private void GoStale(ServedRoutingTable? current, Exception error)
    {
        if (current is null)
        {
            logger.LogWarning("Postgres cannot be read ({Reason}) and no routing table has been loaded yet", error.Message);
        }
        else if (!current.Table.Stale)
        {
            _current = ServedRoutingTable.Sign(current.Table with { Stale = true }, keys.Signer);
            logger.LogWarning("Postgres cannot be read ({Reason}); serving routing table version {Version} as stale",
                error.Message, current.Table.Version);
        }
    }

    public static bool IsDatabaseFailure(Exception error) =>
        error is NpgsqlException or TimeoutException or OperationCanceledException
        || error is InvalidOperationException { InnerException: NpgsqlException or TimeoutException };
}

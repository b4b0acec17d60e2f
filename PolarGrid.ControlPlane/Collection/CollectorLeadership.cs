using Npgsql;

namespace PolarGrid.ControlPlane.Collection;

/// <summary>
/// At most one replica collects: the one holding a session-level Postgres advisory lock on a connection it keeps open.
/// If that replica dies its session ends, Postgres releases the lock, and another replica takes it at its next try.
/// The leader checks its connection before every collection, so a leader cut off from Postgres stops collecting.
/// </summary>
public sealed class CollectorLeadership(
    NpgsqlDataSource dataSource,
    CollectorStatus status,
    ILogger<CollectorLeadership> logger) : IAsyncDisposable
{
    // Arbitrary but fixed, and distinct from the migration lock.
    public const long LockKey = 0x506F6C617243;

    private NpgsqlConnection? _connection;

    /// <summary>True when this replica holds (or has just taken) the collector lock.</summary>
    public async Task<bool> TryLeadAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            if (await StillConnectedAsync(_connection, cancellationToken))
            {
                return true;
            }
            logger.LogWarning("Replica {InstanceId} lost its Postgres session and with it the collector lock", status.InstanceId);
            await DropAsync(_connection);
        }

        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", LockKey);
            if (await command.ExecuteScalarAsync(cancellationToken) is not true)
            {
                await connection.DisposeAsync();
                return false;
            }
        }
        catch
        {
            await DropAsync(connection);
            throw;
        }

        _connection = connection;
        status.IsLeader = true;
        logger.LogInformation("Replica {InstanceId} took the collector lock and collects", status.InstanceId);
        return true;
    }

    /// <summary>Gives the lock up at once, so another replica takes over without waiting for a session to time out.</summary>
    public async Task ReleaseAsync()
    {
        if (_connection is not { } connection)
        {
            return;
        }
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            command.Parameters.AddWithValue("key", LockKey);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
            _connection = null;
            status.IsLeader = false;
            await connection.DisposeAsync();
            logger.LogInformation("Replica {InstanceId} released the collector lock", status.InstanceId);
        }
        catch (Exception error) when (error is NpgsqlException or InvalidOperationException)
        {
            await DropAsync(connection);
        }
    }

    private static async Task<bool> StillConnectedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            // The lock lives exactly as long as this session; a round trip proves the session is still there.
            await using var command = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = 5 };
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (Exception error) when (error is NpgsqlException or InvalidOperationException)
        {
            return false;
        }
    }

    private async Task DropAsync(NpgsqlConnection connection)
    {
        _connection = null;
        status.IsLeader = false;
        // A pooled connection is reset lazily, on its next use; if it still held the lock, that could keep the lock
        // from the other replicas for minutes. Clearing the pool closes it instead of parking it.
        NpgsqlConnection.ClearPool(connection);
        await connection.DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await ReleaseAsync();
}

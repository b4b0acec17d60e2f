using Npgsql;
using PolarGrid.Testing;

namespace PolarGrid.Tests.ControlPlane;

/// <summary>One real PostgreSQL server for the control-plane tests; each test takes a fresh database on it.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private int _databases;

    public PostgresProcess Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresProcess.StartAsync();

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> NewDatabaseAsync()
    {
        var name = $"polargrid_{Interlocked.Increment(ref _databases)}";
        await Server.CreateDatabaseAsync(name);
        return Server.ConnectionString(name);
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    /// <summary>Runs a scalar query against a test's database, as an independent observer.</summary>
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

[CollectionDefinition(Name)]
public sealed class ControlPlaneCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "controlplane";
}

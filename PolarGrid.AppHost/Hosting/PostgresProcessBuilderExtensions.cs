using System.Security.Cryptography;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PolarGrid.AppHost.Runtime;

namespace PolarGrid.AppHost.Hosting;

public static class PostgresProcessBuilderExtensions
{
    // Creates the cluster in a temporary folder and moves it into place whole, so a run that is stopped half-way
    // through initdb leaves nothing that looks like a data directory. Positional arguments: data directory, bin
    // directory, password file, database, OS user to run as ("" = the current one).
    private const string InitScript = """
        set -eu
        data="$1"; bin="$2"; pwfile="$3"; db="$4"; user="$5"
        if [ -f "$data/PG_VERSION" ]; then echo "PostgreSQL data directory $data is ready."; exit 0; fi
        staging="$data.initdb"
        rm -rf "$staging"; mkdir -p "$staging"; chmod 700 "$staging"
        run=""
        if [ -n "$user" ]; then chown "$user" "$staging" "$pwfile"; run="runuser -u $user --"; fi
        $run "$bin/initdb" -D "$staging" -U postgres --pwfile="$pwfile" -E UTF8 --no-locale \
            --auth-local=scram-sha-256 --auth-host=scram-sha-256
        echo "CREATE DATABASE \"$db\";" | $run "$bin/postgres" --single -D "$staging" postgres > /dev/null
        mv "$staging" "$data"
        echo "Initialised PostgreSQL data directory $data with database $db."
        """;

    /// <summary>
    /// Adds a PostgreSQL server run from <paramref name="binDirectory"/> with a data directory under
    /// <paramref name="rootDirectory"/>, plus one database. PostgreSQL refuses to run as root, so when the app host
    /// is root both the one-shot initialiser and the server run as the <c>postgres</c> OS user.
    /// </summary>
    public static IResourceBuilder<PostgresProcessDatabaseResource> AddPostgresProcess(
        this IDistributedApplicationBuilder builder, string name, string databaseName, string binDirectory, string rootDirectory)
    {
        var dataDirectory = Path.Combine(rootDirectory, "data");
        var passwordFile = Path.Combine(rootDirectory, "password");
        var runAs = Environment.IsPrivilegedProcess ? PostgresProcessResource.SuperUser : "";

        // The password belongs to the data directory it was initialised with.
        var password = builder.AddParameter($"{name}-password",
            LocalSecret.LoadOrCreate(passwordFile, () => Convert.ToHexString(RandomNumberGenerator.GetBytes(24))), secret: true);
        if (runAs.Length > 0)
        {
            EnsureReachableByOtherUsers(rootDirectory);
        }

        var init = builder.AddExecutable($"{name}-init", "/bin/sh", rootDirectory,
                "-c", InitScript, $"{name}-init", dataDirectory, binDirectory, passwordFile, databaseName, runAs)
            .WithIconName("DatabaseArrowUp")
            .ExcludeFromManifest();

        var serverArgs = new List<string>();
        var command = Path.Combine(binDirectory, "postgres");
        if (runAs.Length > 0)
        {
            serverArgs.AddRange(["-u", runAs, "--", command]);
            command = "runuser";
        }
        serverArgs.AddRange(["-D", dataDirectory, "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="]);

        var server = new PostgresProcessResource(name, command, rootDirectory, password.Resource);
        var serverHealthKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            serverHealthKey, _ => new PostgresConnectionHealthCheck(server), failureStatus: null, tags: null));

        var serverBuilder = builder.AddResource(server)
            .WithArgs([.. serverArgs])
            .WithEndpoint(PostgresProcessResource.EndpointName, endpoint =>
            {
                endpoint.UriScheme = "tcp";
                endpoint.IsProxied = false;
                endpoint.TargetHost = "127.0.0.1";
            })
            .WithArgs(context =>
            {
                context.Args.Add("-p");
                context.Args.Add(server.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            })
            .WithIconName("Database")
            .WithHealthCheck(serverHealthKey)
            .WaitForCompletion(init)
            .ExcludeFromManifest();
        init.WithParentRelationship(serverBuilder);

        var database = new PostgresProcessDatabaseResource(databaseName, databaseName, server);
        var databaseHealthKey = $"{databaseName}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            databaseHealthKey, _ => new PostgresConnectionHealthCheck(database), failureStatus: null, tags: null));

        // The database lives inside the server process; it is running exactly when its server is ready.
        builder.Eventing.Subscribe<ResourceReadyEvent>(server, async (@event, cancellationToken) =>
        {
            var notifications = @event.Services.GetRequiredService<ResourceNotificationService>();
            await notifications.PublishUpdateAsync(database, snapshot => snapshot with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
        });

        return builder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [new("postgres.database", databaseName)],
            })
            .WithIconName("Database")
            .WithParentRelationship(serverBuilder)
            .WithHealthCheck(databaseHealthKey)
            .ExcludeFromManifest();
    }

    private static void EnsureReachableByOtherUsers(string directory)
    {
        for (var current = new DirectoryInfo(directory).Parent; current is not null; current = current.Parent)
        {
            if (!OperatingSystem.IsWindows() && current.Exists && !current.UnixFileMode.HasFlag(UnixFileMode.OtherExecute))
            {
                throw new FleetSetupException(
                    $"PostgreSQL runs as the 'postgres' user and cannot reach '{directory}' because '{current.FullName}' " +
                    "is closed to other users. Set PolarGrid:DataRoot to a folder outside it (for example /var/tmp/polargrid).");
            }
        }
    }
}

using System.Diagnostics;
using System.Text;

namespace PolarGrid.Testing;

/// <summary>
/// A throw-away PostgreSQL server for tests: <c>initdb</c> into a scratch folder, then <c>pg_ctl</c> on a random
/// loopback port, trusting loopback connections. PostgreSQL refuses to run as root, so when the tests are root every
/// command runs as the <c>postgres</c> OS user. A test can stop the server (as an outage would) and start it again.
/// </summary>
public sealed class PostgresProcess : IAsyncDisposable
{
    public const string SuperUser = "postgres";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    private readonly ScratchDirectory _root;
    private readonly string _bin;
    private bool _running;

    private PostgresProcess(ScratchDirectory root, string bin, int port)
    {
        _root = root;
        _bin = bin;
        Port = port;
    }

    public int Port { get; }

    public string DataDirectory => Path.Combine(_root.Path, "data");

    public string LogFile => Path.Combine(_root.Path, "postgres.log");

    /// <summary>An Npgsql connection string for <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={SuperUser};Database={database};Timeout=5;Command Timeout=10";

    /// <summary>Finds the binaries (<c>POLARGRID_POSTGRES_BIN</c>, then Debian's and RHEL's folders), initialises and starts.</summary>
    public static async Task<PostgresProcess> StartAsync(string? binDirectory = null)
    {
        var bin = binDirectory ?? Locate()
            ?? throw new InvalidOperationException("No PostgreSQL server binaries found; set POLARGRID_POSTGRES_BIN to their folder.");
        var root = new ScratchDirectory("polargrid-postgres");
        var server = new PostgresProcess(root, bin, FreePort.Next());
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                // initdb creates the data folder and must own it.
                await RunAsync("chown", [SuperUser, root.Path], asSuperUser: false);
            }
            await server.RunAsync(Path.Combine(bin, "initdb"),
                ["-D", server.DataDirectory, "-U", SuperUser, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
            await server.StartServerAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server (again) on the same port and data; returns once it accepts connections.</summary>
    public async Task StartServerAsync()
    {
        // No fsync: the tests kill the server, never the machine, so the OS keeps what was written. Commits stay
        // synchronous, so a stopped server keeps every committed transaction, as a production server would.
        var options = $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' " +
                      "-c fsync=off -c full_page_writes=off -c max_connections=200";
        await RunAsync(Path.Combine(_bin, "pg_ctl"), ["start", "-w", "-t", "60", "-D", DataDirectory, "-l", LogFile, "-o", options]);
        _running = true;
    }

    /// <summary>Stops the server at once, without a checkpoint: what clients see is the same as a crash.</summary>
    public async Task StopServerAsync()
    {
        _running = false;
        await RunAsync(Path.Combine(_bin, "pg_ctl"), ["stop", "-w", "-t", "60", "-m", "immediate", "-D", DataDirectory]);
    }

    public Task CreateDatabaseAsync(string name) =>
        RunAsync(Path.Combine(_bin, "createdb"), ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", SuperUser, name]);

    /// <summary>The server's log, for a failing test's message.</summary>
    public string ReadLog()
    {
        try
        {
            return File.ReadAllText(LogFile);
        }
        catch (IOException)
        {
            return "";
        }
    }

    public static string? Locate()
    {
        static bool IsServer(string? folder) =>
            folder is { Length: > 0 } && File.Exists(Path.Combine(folder, "pg_ctl")) && File.Exists(Path.Combine(folder, "initdb"));

        var configured = Environment.GetEnvironmentVariable("POLARGRID_POSTGRES_BIN");
        if (IsServer(configured))
        {
            return configured;
        }
        return new[] { "/usr/lib/postgresql", "/usr" }
            .Where(Directory.Exists)
            .SelectMany(root => Directory.GetDirectories(root, root == "/usr" ? "pgsql-*" : "*"))
            .Select(folder => Path.Combine(folder, "bin"))
            .Where(IsServer)
            .OrderByDescending(folder => folder, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private Task RunAsync(string command, IReadOnlyList<string> arguments) => RunAsync(command, arguments, Environment.IsPrivilegedProcess);

    private static async Task RunAsync(string command, IReadOnlyList<string> arguments, bool asSuperUser)
    {
        var start = new ProcessStartInfo(asSuperUser ? "runuser" : command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asSuperUser)
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(SuperUser);
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(command);
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        process.ErrorDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(command)} did not finish within {CommandTimeout}:\n{output}");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(command)} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_running)
        {
            try
            {
                await StopServerAsync();
            }
            catch (Exception error) when (error is InvalidOperationException or TimeoutException)
            {
                // Already gone; the folder goes below either way.
            }
        }
        _root.Dispose();
    }
}

using System.Net.Http.Headers;

namespace PolarGrid.Testing;

/// <summary>A real PolarGrid.Gateway process on a loopback port, configured by command-line settings.</summary>
public sealed class GatewayProcess(ServiceProcess process) : IAsyncDisposable
{
    public Uri Address => process.Address;

    public int ProcessId => process.ProcessId;

    /// <summary>Resident memory of the gateway process now.</summary>
    public long WorkingSetBytes => process.WorkingSetBytes;

    /// <summary>Memory only the gateway process uses (see <see cref="ServiceProcess.PrivateBytes"/>).</summary>
    public long? PrivateBytes => process.PrivateBytes;

    public string Log => process.Log;

    /// <param name="executable">A published gateway to run instead of the build beside the caller, e.g. the native one.</param>
    /// <param name="address">Where it listens (an https URL for TLS); a plain-HTTP loopback port when not given.</param>
    /// <param name="probeHandler">How to reach <paramref name="address"/> while waiting for it, e.g. trusting its certificate.</param>
    public static async Task<GatewayProcess> StartAsync(IEnumerable<string> settings, string? executable = null, Uri? address = null,
        HttpMessageHandler? probeHandler = null) =>
        new(await ServiceProcess.StartAsync("PolarGrid.Gateway", ["--Logging:LogLevel:Default=Warning"], settings, executable, address, probeHandler));

    public HttpClient CreateClient(string token, int maxConnections = 1024)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = maxConnections, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = Address,
            Timeout = TimeSpan.FromMinutes(5),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();
}

namespace PolarGrid.Testing;

/// <summary>
/// A real PolarGrid.Sidecar process on a loopback port, configured by command-line settings. A process rather than an
/// in-process host so a test can kill it at any instant, as a crash or an OOM kill would.
/// </summary>
public sealed class SidecarProcess(ServiceProcess process) : IAsyncDisposable
{
    public Uri Address => process.Address;

    public int ProcessId => process.ProcessId;

    public bool HasExited => process.HasExited;

    public string Log => process.Log;

    /// <summary>Starts the sidecar and waits until it answers <c>/alive</c>.</summary>
    public static async Task<SidecarProcess> StartAsync(IEnumerable<string> settings) =>
        new(await ServiceProcess.StartAsync("PolarGrid.Sidecar",
            ["--Logging:LogLevel:Default=Information", "--Logging:LogLevel:Microsoft=Warning"], settings));

    /// <summary>Kills the process at once (SIGKILL): no shutdown code runs, exactly like a crash.</summary>
    public Task KillAsync() => process.KillAsync();

    public ValueTask DisposeAsync() => process.DisposeAsync();
}

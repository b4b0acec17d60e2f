using System.Diagnostics;
using System.Text;

namespace PolarGrid.Testing;

/// <summary>
/// A real PolarGrid.Sidecar process on a loopback port, configured by command-line settings. A process rather than an
/// in-process host so a test can kill it at any instant, as a crash or an OOM kill would.
/// </summary>
public sealed class SidecarProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private SidecarProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the sidecar and waits until it answers <c>/alive</c>.</summary>
    public static async Task<SidecarProcess> StartAsync(IEnumerable<string> settings)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["OTEL_SDK_DISABLED"] = "true";
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PolarGrid.Sidecar.dll"));
        start.ArgumentList.Add($"--urls={address}");
        start.ArgumentList.Add("--Logging:LogLevel:Default=Information");
        start.ArgumentList.Add("--Logging:LogLevel:Microsoft=Warning");
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        var process = Process.Start(start)!;
        var sidecar = new SidecarProcess(process, address);
        process.OutputDataReceived += (_, line) => sidecar.Append(line.Data);
        process.ErrorDataReceived += (_, line) => sidecar.Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The sidecar exited with {process.ExitCode}:\n{sidecar.Log}");
            }
            try
            {
                using var response = await http.GetAsync("/alive");
                if (response.IsSuccessStatusCode)
                {
                    return sidecar;
                }
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        await sidecar.DisposeAsync();
        throw new TimeoutException($"The sidecar did not become live:\n{sidecar.Log}");
    }

    /// <summary>Kills the process at once (SIGKILL): no shutdown code runs, exactly like a crash.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}

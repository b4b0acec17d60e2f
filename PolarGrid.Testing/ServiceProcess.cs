using System.Diagnostics;
using System.Text;

namespace PolarGrid.Testing;

/// <summary>
/// One of our ASP.NET Core services (<c>dotnet &lt;assembly&gt;.dll</c>) as a real process on a loopback port: its output
/// kept as a log, started when it answers <c>/alive</c>, killable at any instant as a crash would.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Resident memory of the process now.</summary>
    public long WorkingSetBytes
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    /// <summary>
    /// Resident memory only this process uses (Linux: private clean + dirty pages), without the shared pages of the
    /// runtime's and native libraries' files that the working set also counts; null where the kernel does not say.
    /// </summary>
    public long? PrivateBytes
    {
        get
        {
            var rollup = $"/proc/{_process.Id}/smaps_rollup";
            if (!File.Exists(rollup))
            {
                return null;
            }
            long kilobytes = 0;
            foreach (var line in File.ReadLines(rollup))
            {
                if (line.StartsWith("Private_Clean:", StringComparison.Ordinal) || line.StartsWith("Private_Dirty:", StringComparison.Ordinal))
                {
                    kilobytes += long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            return kilobytes * 1024;
        }
    }

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

    /// <param name="assembly">The service's assembly name, e.g. <c>PolarGrid.Gateway</c>, copied beside the tests.</param>
    /// <param name="settings">Command-line settings after the URL and the given log levels, so they can override them.</param>
    /// <param name="executable">A published build of the service to run instead (e.g. compiled ahead of time).</param>
    /// <param name="address">Where it listens (e.g. an https URL); a plain-HTTP loopback port when not given.</param>
    /// <param name="probeHandler">How to reach <paramref name="address"/> while waiting for it, e.g. trusting its certificate.</param>
    public static async Task<ServiceProcess> StartAsync(string assembly, IEnumerable<string> logLevels, IEnumerable<string> settings,
        string? executable = null, Uri? address = null, HttpMessageHandler? probeHandler = null)
    {
        address ??= new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var start = new ProcessStartInfo(executable ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["OTEL_SDK_DISABLED"] = "true";
        if (executable is null)
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, $"{assembly}.dll"));
        }
        start.ArgumentList.Add($"--urls={address}");
        foreach (var argument in logLevels.Concat(settings))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var service = new ServiceProcess(process, address);
        process.OutputDataReceived += (_, line) => service.Append(line.Data);
        process.ErrorDataReceived += (_, line) => service.Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient(probeHandler ?? new SocketsHttpHandler()) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{assembly} exited with {process.ExitCode}:\n{service.Log}");
            }
            try
            {
                using var response = await http.GetAsync("/alive");
                if (response.IsSuccessStatusCode)
                {
                    return service;
                }
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        await service.DisposeAsync();
        throw new TimeoutException($"{assembly} did not become live:\n{service.Log}");
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

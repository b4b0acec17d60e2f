using System.Diagnostics;
using System.Text;
using Inference;
using PolarGrid.Contracts;

namespace PolarGrid.Testing;

/// <summary>
/// A real PolarGrid.InferenceServer process on loopback ports, started with Triton's command line, and a gRPC client
/// to it.
/// </summary>
public sealed class InferenceServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private InferenceServerProcess(Process process, int grpcPort, int httpPort, int metricsPort)
    {
        _process = process;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        MetricsPort = metricsPort;
        Channel = TritonChannelFactory.Create(new TritonClientOptions { Endpoint = GrpcAddress });
        Client = new GRPCInferenceService.GRPCInferenceServiceClient(Channel);
        Triton = new TritonClient(Client, TimeSpan.FromSeconds(10));
    }

    public int GrpcPort { get; }
    public int HttpPort { get; }
    public int MetricsPort { get; }
    public Uri GrpcAddress => new($"http://127.0.0.1:{GrpcPort}");
    public Grpc.Net.Client.GrpcChannel Channel { get; }
    public GRPCInferenceService.GRPCInferenceServiceClient Client { get; }
    public TritonClient Triton { get; }

    /// <summary>Whether the process has ended (a crash shows here, not only as a failed call).</summary>
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

    public static async Task<InferenceServerProcess> StartAsync(string modelRepository, params string[] extraArgs)
    {
        var (grpc, http, metrics) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["OTEL_SDK_DISABLED"] = "true";
        foreach (var argument in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "PolarGrid.InferenceServer.dll"),
                     $"--model-repository={modelRepository}", "--id=test-triton",
                     "--grpc-address=127.0.0.1", "--http-address=127.0.0.1", "--metrics-address=127.0.0.1",
                     $"--grpc-port={grpc}", $"--http-port={http}", $"--metrics-port={metrics}",
                 }.Concat(extraArgs))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var server = new InferenceServerProcess(process, grpc, http, metrics);
        process.OutputDataReceived += (_, line) => server.Append(line.Data);
        process.ErrorDataReceived += (_, line) => server.Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http1 = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The inference server exited with {process.ExitCode}:\n{server.Log}");
            }
            try
            {
                using var response = await http1.GetAsync($"http://127.0.0.1:{http}/v2/health/live");
                if (response.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        await server.DisposeAsync();
        throw new TimeoutException($"The inference server did not become live:\n{server.Log}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

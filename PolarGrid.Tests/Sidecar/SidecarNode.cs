using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using PolarGrid.Sidecar;
using PolarGrid.Staging;
using PolarGrid.Testing;
using static Inference.RepositoryIndexResponse.Types;

namespace PolarGrid.Tests.Sidecar;

/// <summary>
/// One node's sidecar side: a staging volume, a model repository, the real inference server over it in explicit
/// model-control mode, and the sidecar (in this process, so its spans and counters can be read).
/// </summary>
public sealed class SidecarNode : IAsyncDisposable
{
    public static readonly TimeSpan DefaultRescan = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly ScratchDirectory _root = new("polargrid-sidecar");
    private int _port;

    private SidecarNode()
    {
        StagingPath = Path.Combine(_root.Path, "staging");
        RepositoryPath = Path.Combine(_root.Path, "models");
        Directory.CreateDirectory(StagingPath);
        Directory.CreateDirectory(RepositoryPath);
        Layout = new StagingLayout(StagingPath);
    }

    public string StagingPath { get; }
    public string RepositoryPath { get; }
    public StagingLayout Layout { get; }
    public InferenceServerProcess Server { get; private set; } = null!;
    public WebApplication? Sidecar { get; private set; }
    public Uri SidecarAddress => new($"http://127.0.0.1:{_port}");
    public List<Activity> Activities { get; } = [];

    /// <summary>
    /// Prepares the volumes with <paramref name="prepare"/> (called with the node before anything runs), starts the
    /// inference server with nothing loaded, then the sidecar unless <paramref name="startSidecar"/> is false.
    /// </summary>
    public static async Task<SidecarNode> StartAsync(Func<SidecarNode, Task>? prepare = null, bool startSidecar = true, TimeSpan? rescan = null)
    {
        var node = new SidecarNode();
        try
        {
            if (prepare is not null)
            {
                await prepare(node);
            }
            node.Server = await InferenceServerProcess.StartAsync(node.RepositoryPath, "--model-control-mode=explicit", "--strict-readiness=false");
            if (startSidecar)
            {
                await node.StartSidecarAsync(rescan);
            }
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>The settings a sidecar of this node runs with, in-process or as a <see cref="SidecarProcess"/>.</summary>
    public string[] SidecarSettings(TimeSpan? rescan = null) =>
    [
        "--Node:Colo=test",
        $"--Node:StagingPath={StagingPath}",
        $"--Node:ModelRepositoryPath={RepositoryPath}",
        $"--Triton:Endpoint={Server.GrpcAddress}",
        $"--Sidecar:RescanInterval={rescan ?? DefaultRescan}",
        "--Sidecar:LoadTimeout=00:01:00",
    ];

    public async Task StartSidecarAsync(TimeSpan? rescan = null, string[]? extraSettings = null)
    {
        _port = FreePort.Next();
        Sidecar = SidecarApplication.Build(
            [$"--urls={SidecarAddress}", "--Logging:LogLevel:Default=Warning", .. SidecarSettings(rescan), .. extraSettings ?? []],
            builder => builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Activities)));
        await Sidecar.StartAsync();
    }

    public async Task StopSidecarAsync()
    {
        if (Sidecar is not null)
        {
            await Sidecar.StopAsync();
            await Sidecar.DisposeAsync();
            Sidecar = null;
        }
    }

    /// <summary>Stages <paramref name="package"/> as the gateway does: written in <c>.incoming/</c>, renamed into <c>queue/</c>.</summary>
    public async Task<string> StageAsync(TestPackage package)
    {
        Layout.EnsureCreated();
        var incoming = Layout.IncomingFor(package.JobId);
        await package.WriteToAsync(incoming);
        Directory.Move(incoming, Layout.PackageFor(package.JobId));
        return package.JobId;
    }

    /// <summary>Waits for the job's final result.</summary>
    public async Task<PackageResult> ResultAsync(string jobId)
    {
        PackageResult? result = null;
        await Eventually(async () => (result = await PackageResult.TryReadAsync(Layout, jobId, CancellationToken.None)) is { IsFinal: true },
            $"a final result for {jobId}");
        return result!;
    }

    public async Task<IReadOnlyList<ModelIndex>> IndexAsync() => await Server.Triton.GetRepositoryIndexAsync();

    public async Task<string[]> ReadyVersionsAsync(string model) =>
        (await IndexAsync()).Where(entry => entry.Name == model && entry.State == "READY").Select(entry => entry.Version).Order().ToArray();

    public async Task<JsonElement> SidecarHealthAsync()
    {
        using var http = new HttpClient { BaseAddress = SidecarAddress, Timeout = TimeSpan.FromSeconds(10) };
        var health = await http.GetFromJsonAsync<JsonElement>("/health");
        return health.GetProperty("checks").GetProperty("sidecar");
    }

    /// <summary>Every file and folder in the repository, relative, for assertions and failure messages.</summary>
    public string[] RepositoryEntries() =>
        Directory.GetFileSystemEntries(RepositoryPath, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(path => Path.GetRelativePath(RepositoryPath, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Runs one identity inference (FP32, <c>[1, width]</c>) and returns the output.</summary>
    public async Task<float[]> InferIdentityAsync(string model, int width)
    {
        var values = Enumerable.Range(1, width).Select(i => i * 1.5f).ToArray();
        var request = new ModelInferRequest { ModelName = model };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "INPUT", Datatype = "FP32", Shape = { 1, width } });
        request.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())));
        var response = await Server.Client.ModelInferAsync(request);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(response.RawOutputContents[0].Span).ToArray();
    }

    /// <summary>Counts what this node's sidecar adds to one of its counters from now on.</summary>
    public MeterListener ListenToCounter(string instrument, Action<long, ReadOnlySpan<KeyValuePair<string, object?>>> onMeasurement)
    {
        var scope = Sidecar!.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (published, self) =>
            {
                if (published.Meter.Scope == scope && published.Name == instrument)
                {
                    self.EnableMeasurementEvents(published);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => onMeasurement(value, tags));
        listener.Start();
        return listener;
    }

    /// <summary>Bounded polling on real state; the failure message says what was awaited and what the node looked like.</summary>
    public async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Patience);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.\n{Describe()}");
            }
            await Task.Delay(50);
        }
    }

    public Task Eventually(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually(() => Task.FromResult(condition()), what, timeout);

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine("repository: " + string.Join(", ", RepositoryEntries()));
        text.AppendLine("queue: " + string.Join(", ", Layout.QueuedJobs()));
        if (Directory.Exists(Layout.ResultsRoot))
        {
            foreach (var result in Directory.GetFiles(Layout.ResultsRoot))
            {
                text.AppendLine(File.ReadAllText(result));
            }
        }
        var log = Server?.Log ?? "";
        text.AppendLine("server log (tail): " + log[Math.Max(0, log.Length - 3000)..]);
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await StopSidecarAsync();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        _root.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SidecarCollection
{
    // The sidecar tests each start an inference server and a sidecar; one at a time keeps them within two cores.
    public const string Name = "sidecar";
}

using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Fleet;

/// <summary>
/// The whole local fleet, started once for the fleet tests in processes mode (what CI and this machine have): real
/// Postgres, two control-plane replicas, and three colos of gateway, inference server and sidecar processes.
/// </summary>
public sealed class FleetFixture : IAsyncLifetime
{
    public static readonly string[] Colos = ["yvr", "yyz", "yul"];

    /// <summary>The tiny LLM from ../shared, as the local Hub serves it.</summary>
    public const string TinyLlamaRepo = "polargrid/tiny-random-llama-onnx";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly ScratchDirectory _dataRoot = new("polargrid-fleet");

    public DistributedApplication App { get; private set; } = null!;

    public string DataRoot => _dataRoot.Path;

    /// <summary>From creating the app host to every resource healthy; reported, never asserted.</summary>
    public TimeSpan StartupTime { get; private set; }

    public async Task InitializeAsync()
    {
        using var cancellation = new CancellationTokenSource(StartTimeout);
        var stopwatch = Stopwatch.StartNew();

        string[] args =
        [
            "--PolarGrid:Runtime=processes",
            $"--PolarGrid:DataRoot={_dataRoot.Path}",
            "--PolarGrid:Hub:Local=true",
            $"--PolarGrid:Hub:Repositories:{TinyLlamaRepo}={TestModels.TinyLlamaDirectory}",
            // Free ports, not the fixed 810x, so the tests never collide with a fleet a developer runs; fixed for the
            // fixture's life so a gateway stopped and started again comes back where clients expect it.
            .. Colos.Select(colo => $"--PolarGrid:Colos:{colo}:GatewayPort={FreePort.Next()}"),
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.PolarGrid_AppHost>(args, cancellation.Token);
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            // Every resource fails its health check until it has started; those expected failures are noise here.
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None));

        App = await builder.BuildAsync(cancellation.Token);
        await App.StartAsync(cancellation.Token);

        await Task.WhenAll(ResourceNames().Select(name =>
            App.ResourceNotifications.WaitForResourceHealthyAsync(name, cancellation.Token)));
        StartupTime = stopwatch.Elapsed;
    }

    /// <summary>The 12-hour token with every scope that the app host wrote for the local operator.</summary>
    public async Task<string> LocalTokenAsync() => (await File.ReadAllTextAsync(Path.Combine(DataRoot, "auth", "token"))).Trim();

    /// <summary>A client for one colo's gateway, carrying the local token.</summary>
    public async Task<HttpClient> GatewayClientAsync(string colo)
    {
        var client = App.CreateHttpClient($"{colo}-gateway", "http");
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await LocalTokenAsync());
        return client;
    }

    /// <summary>
    /// The dashboard's Stop on every instance of a resource (each replica). On this busy machine the orchestrator can
    /// report an instance's stop as timed out although its process ends; callers check what clients see instead.
    /// </summary>
    public Task<ExecuteCommandResult> StopAllInstancesAsync(string resourceName) =>
        App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(Resource(resourceName), KnownResourceCommands.StopCommand);

    /// <summary>
    /// The dashboard's Start on every instance of a resource, asked again until the orchestrator accepts it. It does not
    /// wait for the orchestrator's health checks, which can lag a restart by a minute here; callers wait for what
    /// clients see, and <see cref="WaitUntilHealthyAsync"/> before handing the fleet on.
    /// </summary>
    public async Task StartAllInstancesAsync(string resourceName, TimeSpan within)
    {
        var commands = App.Services.GetRequiredService<ResourceCommandService>();
        using var timeout = new CancellationTokenSource(within);
        while (!(await commands.ExecuteCommandAsync(Resource(resourceName), KnownResourceCommands.StartCommand, timeout.Token)).Success)
        {
            await Task.Delay(500, timeout.Token);
        }
    }

    /// <summary>Until the orchestrator reports each named resource healthy again (what the other fleet tests start from).</summary>
    public async Task WaitUntilHealthyAsync(params string[] resourceNames)
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        await Task.WhenAll(resourceNames.Select(name => App.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token)));
    }

    /// <summary>The process id the orchestrator reports for a resource that runs as a process.</summary>
    public int ProcessId(string resourceName)
    {
        if (!App.ResourceNotifications.TryGetCurrentState(resourceName, out var current))
        {
            throw new InvalidOperationException($"No state for {resourceName}.");
        }
        var pid = current.Snapshot.Properties.FirstOrDefault(property => property.Name == "executable.pid")?.Value;
        return Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture);
    }

    public IResource Resource(string name) =>
        App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(resource => resource.Name == name);

    public static IEnumerable<string> ResourceNames() =>
        Colos.SelectMany(colo => new[] { $"{colo}-gateway", $"{colo}-triton", $"{colo}-sidecar" })
            .Concat(["postgres", "polargrid", "controlplane", "hub"]);

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        _dataRoot.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class FleetCollection : ICollectionFixture<FleetFixture>
{
    public const string Name = "fleet";
}

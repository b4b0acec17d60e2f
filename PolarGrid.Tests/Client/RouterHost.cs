using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PolarGrid.Client;
using PolarGrid.Client.Nodes;
using PolarGrid.Client.RoutingTables;
using PolarGrid.Tests.HuggingFace;

namespace PolarGrid.Tests.Client;

/// <summary>
/// An app that uses the router the way apps do — a generic host with <c>AddPolarGridRouter(configuration)</c> — with
/// settings from the test, its logs collected, and optionally a fake clock that the test moves.
/// </summary>
public sealed class RouterHost : IAsyncDisposable
{
    private RouterHost(IHost host, FakeTimeProvider? time, LogCollector logs)
    {
        Host = host;
        Time = time;
        Logs = logs;
    }

    public IHost Host { get; }

    public IServiceProvider Services => Host.Services;

    /// <summary>The fake clock, when the host runs on one.</summary>
    public FakeTimeProvider? Time { get; }

    public LogCollector Logs { get; }

    public NodeRegistry Registry => Services.GetRequiredService<NodeRegistry>();

    public HttpClient Http => Services.GetRequiredService<IHttpClientFactory>().CreateClient(RouterDefaults.HttpClientName);

    /// <summary>Settings every client test starts from: the control plane (if any), its key, a 1 s probe interval without jitter.</summary>
    public static Dictionary<string, string?> Settings(FakeControlPlane? controlPlane = null, string? cachePath = null, params FakeNode[] fallbackNodes)
    {
        var settings = new Dictionary<string, string?>
        {
            ["PolarGrid:Router:ProbeInterval"] = "00:00:01",
            ["PolarGrid:Router:ProbeJitter"] = "00:00:00",
            // On a fake clock only the test moves time; a long timeout keeps stepping the clock from failing probes in flight.
            ["PolarGrid:Router:ProbeTimeout"] = "00:01:00",
            ["PolarGrid:Router:RefreshInterval"] = "00:00:30",
            ["PolarGrid:Router:RetryCount"] = "2",
            ["PolarGrid:Router:ReadmitAfterProbes"] = "2",
            ["PolarGrid:Router:CachePath"] = cachePath,
        };
        if (controlPlane is not null)
        {
            settings["PolarGrid:Router:ControlPlaneUrls:0"] = controlPlane.Url.AbsoluteUri;
            settings[$"PolarGrid:Router:TrustedKeys:{FakeControlPlane.KeyId}"] = controlPlane.PublicKeyPem;
        }
        for (var index = 0; index < fallbackNodes.Length; index++)
        {
            settings[$"PolarGrid:Router:FallbackNodes:{index}:Colo"] = fallbackNodes[index].Colo;
            settings[$"PolarGrid:Router:FallbackNodes:{index}:Url"] = fallbackNodes[index].Url.AbsoluteUri;
        }
        return settings;
    }

    public static async Task<RouterHost> StartAsync(
        IDictionary<string, string?> settings,
        FakeTimeProvider? time = null,
        Action<IServiceCollection>? services = null)
    {
        var logs = new LogCollector();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        if (time is not null)
        {
            builder.Services.AddSingleton<TimeProvider>(time);
        }
        services?.Invoke(builder.Services);
        builder.Services.AddPolarGridRouter(builder.Configuration);
        var host = builder.Build();
        try
        {
            await host.StartAsync();
            // What an app's first request waits for: the table from the control plane, else the cache, else the fallback.
            await host.Services.GetRequiredService<RoutingTableSource>().InitializeAsync(CancellationToken.None);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new RouterHost(host, time, logs);
    }

    public RouterNode Node(FakeNode node) => Registry.Nodes.Single(candidate => candidate.Url == node.Url);

    /// <summary>Waits for the probe round that runs at start to have reached every node.</summary>
    public Task FirstProbeRoundAsync() =>
        Eventually.TrueAsync(() => Registry.Nodes.Count > 0 && Registry.Nodes.All(node => node.LastProbe is not null), "the first probe round");

    /// <summary>
    /// Moves the fake clock in small steps until one more probe round has reached every node, and stops there: the
    /// next round is a whole interval away, so the test sees exactly one round's effect.
    /// </summary>
    public Task ProbeRoundAsync()
    {
        var clock = Time ?? throw new InvalidOperationException("Probe rounds are stepped on a fake clock only.");
        var start = clock.GetUtcNow();
        return Eventually.TrueAsync(
            () => Registry.Nodes.All(node => node.LastProbe?.At > start),
            "a probe round",
            step: () => clock.Advance(TimeSpan.FromMilliseconds(100)));
    }

    /// <summary>A non-streamed chat request for <paramref name="model"/>; returns the status and the answer's text.</summary>
    public async Task<(int Status, string? Text)> ChatAsync(string model, CancellationToken cancellationToken = default)
    {
        using var response = await Http.PostAsJsonAsync("v1/chat/completions", ChatBody(model, stream: false), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return ((int)response.StatusCode, null);
        }
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return ((int)response.StatusCode, body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    public static object ChatBody(string model, bool stream) => new
    {
        model,
        messages = new[] { new { role = "user", content = "hi" } },
        stream,
    };

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Host.StopAsync(stopping.Token);
        Host.Dispose();
    }
}

using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PolarGrid.ControlPlane;
using PolarGrid.Routing;
using PolarGrid.Testing;

namespace PolarGrid.Tests.ControlPlane;

/// <summary>Settings every replica of one test shares: the database, keys, the nodes and the timings.</summary>
public sealed record ControlPlaneSettings(string ConnectionString, IReadOnlyList<(string Colo, Uri Url)> Nodes)
{
    public static readonly string AdminKeyValue = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string SigningKeyPem { get; init; } = NewSigningKeyPem();
    public string? AdminKey { get; init; } = AdminKeyValue;
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan MetricsWindow { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan RefreshAfter { get; init; } = TimeSpan.FromHours(1);
    public int SamplesPerNode { get; init; } = 720;
    public int TableVersions { get; init; } = 100;

    public static string NewSigningKeyPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    public Dictionary<string, string?> ToConfiguration()
    {
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:polargrid"] = ConnectionString,
            ["ControlPlane:SigningKeyPem"] = SigningKeyPem,
            ["ControlPlane:SigningKeyId"] = "test-key",
            ["ControlPlane:AdminKey"] = AdminKey,
            ["ControlPlane:Collector:Interval"] = Interval.ToString("c"),
            ["ControlPlane:Collector:Timeout"] = Timeout.ToString("c"),
            ["ControlPlane:Collector:MetricsWindow"] = MetricsWindow.ToString("c"),
            ["ControlPlane:History:SamplesPerNode"] = SamplesPerNode.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ControlPlane:History:TableVersions"] = TableVersions.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ControlPlane:RoutingTable:RefreshAfter"] = RefreshAfter.ToString("c"),
            ["ControlPlane:RoutingTable:PollInterval"] = "00:00:00.200",
            ["ControlPlane:RoutingTable:DatabaseTimeout"] = "00:00:02",
        };
        for (var i = 0; i < Nodes.Count; i++)
        {
            configuration[$"ControlPlane:Nodes:{i}:Colo"] = Nodes[i].Colo;
            configuration[$"ControlPlane:Nodes:{i}:Region"] = $"region-{Nodes[i].Colo}";
            configuration[$"ControlPlane:Nodes:{i}:PublicUrl"] = Nodes[i].Url.ToString();
            configuration[$"ControlPlane:Nodes:{i}:Latitude"] = "45.5";
            configuration[$"ControlPlane:Nodes:{i}:Longitude"] = "-73.5";
        }
        return configuration;
    }
}

/// <summary>One control-plane replica, hosted in this process on a real port, as the app host would run it.</summary>
public sealed class ControlPlaneReplica : IAsyncDisposable
{
    private bool _stopped;

    private ControlPlaneReplica(WebApplication app, Uri address, LogCapture logs)
    {
        App = app;
        Address = address;
        Logs = logs;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }
    public Uri Address { get; }
    public HttpClient Http { get; }
    public LogCapture Logs { get; }

    public static async Task<ControlPlaneReplica> StartAsync(ControlPlaneSettings settings)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var logs = new LogCapture();
        var app = ControlPlaneApplication.Build([$"--urls={address}"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings.ToConfiguration());
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddProvider(logs);
        });
        await app.StartAsync();
        return new ControlPlaneReplica(app, address, logs);
    }

    /// <summary>The table as served, and the table inside it, verified with the keys the replica publishes.</summary>
    public async Task<(HttpResponseMessage Response, SignedRoutingTable Signed, RoutingTable Table)> GetTableAsync(string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/routing-table");
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }
        var response = await Http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var signed = (await response.Content.ReadFromJsonAsync(RoutingJsonContext.Default.SignedRoutingTable))!;
        var table = (await VerifierAsync()).Verify(signed);
        Assert.NotNull(table);
        return (response, signed, table);
    }

    public async Task<RoutingTable> TableAsync() => (await GetTableAsync()).Table;

    public async Task<RoutingTableVerifier> VerifierAsync()
    {
        var keys = await Http.GetFromJsonAsync("/v1/routing-table/keys", RoutingKeysJsonContext.Default.RoutingTableKeys);
        return RoutingTableVerifier.FromPem(keys!.Keys);
    }

    public async Task<JsonElement> HealthAsync() => await Http.GetFromJsonAsync<JsonElement>("/health");

    public async Task<bool> IsLeaderAsync() =>
        (await HealthAsync()).GetProperty("checks").GetProperty("routing-table").GetProperty("data").GetProperty("collector_leader").GetBoolean();

    public async Task<string> InstanceIdAsync() =>
        (await HealthAsync()).GetProperty("checks").GetProperty("routing-table").GetProperty("data").GetProperty("instance").GetString()!;

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await App.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await App.DisposeAsync();
        Http.Dispose();
    }
}

/// <summary>Keeps every log line a host writes, so a test can check what was (and was not) logged.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}

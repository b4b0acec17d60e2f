using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PolarGrid.Testing;

namespace PolarGrid.Tests.ControlPlane;

/// <summary>
/// A node as the collector sees it: a tiny Kestrel app on a loopback port whose <c>/health</c> answers JSON shaped like
/// a gateway's (status, a <c>models</c> check, a <c>traffic</c> check) and that the test changes at will. Records who
/// pulled it, so a test can tell which control-plane replica collects.
/// </summary>
public sealed class FakeNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private readonly ConcurrentQueue<(DateTimeOffset At, string UserAgent)> _pulls = new();
    private volatile string _status = "healthy";
    private volatile Dictionary<string, (string State, string Kind)> _models = new(StringComparer.Ordinal);

    private FakeNode(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>healthy, degraded or unhealthy.</summary>
    public string Status { get => _status; set => _status = value; }

    /// <summary>When set, the node reports traffic growing at this rate, this share failing, every TTFT in (50, 100] ms.</summary>
    public (double RequestsPerSecond, double ErrorShare)? Traffic { get; set; }

    public IReadOnlyList<(DateTimeOffset At, string UserAgent)> Pulls => [.. _pulls];

    public void SetModel(string id, string state, string kind = "chat")
    {
        var models = new Dictionary<string, (string, string)>(_models, StringComparer.Ordinal) { [id] = (state, kind) };
        _models = models;
    }

    public static async Task<FakeNode> StartAsync()
    {
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(address.ToString());
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var node = new FakeNode(app, address);
        app.MapGet("/health", node.Health);
        await app.StartAsync();
        return node;
    }

    private IResult Health(HttpContext context)
    {
        _pulls.Enqueue((DateTimeOffset.UtcNow, context.Request.Headers.UserAgent.ToString()));
        var models = new JsonObject();
        foreach (var (id, (state, kind)) in _models)
        {
            models[id] = new JsonObject { ["state"] = state, ["kind"] = kind };
        }
        var checks = new JsonObject
        {
            ["triton"] = new JsonObject { ["status"] = _status, ["description"] = _status == "healthy" ? "Triton is ready." : "Triton did not answer." },
            ["models"] = new JsonObject { ["status"] = "healthy", ["data"] = models },
        };
        if (Traffic is { } traffic)
        {
            // Counters that grow with time, so any two pulls measure the configured rate whatever the interval.
            var requests = (long)(traffic.RequestsPerSecond * (DateTimeOffset.UtcNow - _startedAt).TotalSeconds);
            var counts = new long[12];
            counts[4] = requests; // (50, 100] ms
            checks["traffic"] = new JsonObject
            {
                ["status"] = "healthy",
                ["data"] = new JsonObject
                {
                    ["started_at"] = _startedAt,
                    ["requests"] = requests,
                    ["errors"] = (long)(requests * traffic.ErrorShare),
                    ["ttft_count"] = requests,
                    ["ttft_sum_ms"] = requests * 75.0,
                    ["ttft_bucket_bounds_ms"] = new JsonArray(5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0),
                    ["ttft_bucket_counts"] = new JsonArray(counts.Select(count => (JsonNode)count).ToArray()),
                },
            };
        }
        var body = new JsonObject { ["status"] = _status, ["totalDurationMs"] = 1.0, ["checks"] = checks };
        return Results.Content(body.ToJsonString(), "application/json", statusCode: _status == "unhealthy" ? 503 : 200);
    }

    /// <summary>Takes the node off the network: its port refuses connections from now on.</summary>
    public async Task StopAsync() => await _app.StopAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PolarGrid.Client;
using PolarGrid.Client.LoadBalancing;
using PolarGrid.Client.Nodes;
using PolarGrid.Testing;

namespace PolarGrid.Bench;

/// <summary>
/// The client router's own cost: choosing a node among 100, and the time it adds to a request compared with the same
/// request sent straight to the node (a local Kestrel answering a small chat completion).
/// </summary>
public static class RouterBenchmark
{
    public static async Task RunAsync(int selections, int requests)
    {
        MeasureSelection(selections);
        await MeasureOverheadAsync(requests);
    }

    private static void MeasureSelection(int selections)
    {
        var options = Options.Create(new RouterOptions());
        var registry = new NodeRegistry(options, TimeProvider.System);
        registry.Replace(
            Enumerable.Range(0, 100).Select(i => NodeSpec.From(new FallbackNodeOptions
            {
                Colo = $"colo{i:D3}",
                Url = new Uri($"http://10.0.{i / 250}.{i % 250}:8080"),
                Models = i % 2 == 0 ? ["chat", "embed"] : ["chat"],
            })).ToList(),
            RoutingTableOrigin.Fallback, null);
        var selector = new NodeSelector(registry, new PowerOfTwoChoicesPolicy());
        IReadOnlyCollection<RouterNode> none = [];

        for (var i = 0; i < 100_000; i++)
        {
            selector.Select("chat", none);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < selections; i++)
        {
            selector.Select("chat", none);
        }
        stopwatch.Stop();
        var perSelection = stopwatch.Elapsed.TotalNanoseconds / selections;
        Console.WriteLine($"node selection among 100 nodes serving the model: {perSelection / 1000:F3} µs per request, " +
                          $"{(GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)selections:F0} B allocated (target ≤ 2 µs)");
    }

    private static async Task MeasureOverheadAsync(int requests)
    {
        var port = FreePort.Next();
        var node = WebApplication.CreateSlimBuilder();
        node.WebHost.UseUrls($"http://127.0.0.1:{port}");
        node.Logging.ClearProviders();
        await using var nodeApp = node.Build();
        nodeApp.MapGet("/health", () => Results.Json(new { status = "Healthy" }));
        nodeApp.MapPost("/v1/chat/completions", () => Results.Text(
            """{"id":"c","object":"chat.completion","created":0,"model":"chat","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""",
            "application/json"));
        await nodeApp.StartAsync();

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{RouterOptions.SectionName}:FallbackNodes:0:Url"] = $"http://127.0.0.1:{port}",
            [$"{RouterOptions.SectionName}:FallbackNodes:0:Colo"] = "local",
            [$"{RouterOptions.SectionName}:FallbackNodes:0:Models:0"] = "chat",
        });
        builder.Services.AddPolarGridRouter(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();
        var routed = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(RouterDefaults.HttpClientName);
        using var direct = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var body = new { model = "chat", messages = new[] { new { role = "user", content = "hi" } }, max_tokens = 1 };

        async Task<double> Once(HttpClient http)
        {
            var stopwatch = Stopwatch.StartNew();
            using var response = await http.PostAsJsonAsync("v1/chat/completions", body);
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
            return stopwatch.Elapsed.TotalMicroseconds;
        }

        for (var i = 0; i < 2000; i++)
        {
            await Once(direct);
            await Once(routed);
        }
        var directTimes = new List<double>();
        var routedTimes = new List<double>();
        for (var i = 0; i < requests; i++)
        {
            // Interleaved, so both paths see the same machine.
            directTimes.Add(await Once(direct));
            routedTimes.Add(await Once(routed));
        }
        directTimes.Sort();
        routedTimes.Sort();
        double P(List<double> values, double q) => values[(int)(q * (values.Count - 1))];
        Console.WriteLine($"request through the router vs direct, {requests} each, sequential: median {P(routedTimes, 0.5):F0} vs {P(directTimes, 0.5):F0} µs " +
                          $"(+{P(routedTimes, 0.5) - P(directTimes, 0.5):F0} µs), p99 {P(routedTimes, 0.99):F0} vs {P(directTimes, 0.99):F0} µs (target ≤ 50 µs added)");
        await host.StopAsync();
        await nodeApp.StopAsync();
    }
}

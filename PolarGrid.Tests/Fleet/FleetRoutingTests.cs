using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PolarGrid.Routing;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Fleet;

/// <summary>
/// The client-side router on the real local fleet: the colos' simulated distances (yvr 2 ms, yyz 30 ms, yul 35 ms),
/// the control plane's signed table, and faults switched on through the dashboard's commands.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetRoutingTests(FleetFixture fleet) : IAsyncLifetime
{
    private readonly ScratchDirectory _client = new("polargrid-router");

    public async Task InitializeAsync()
    {
        // Near-chat on the two nearest colos, yul-chat on the farthest only; loaded once for the fleet.
        await EnsureLoadedAsync("yvr", "near-chat");
        await EnsureLoadedAsync("yyz", "near-chat");
        await EnsureLoadedAsync("yul", "yul-chat");
    }

    [Fact]
    public async Task Deployments_reach_the_routing_table_and_requests_go_to_the_nearest_colo_that_has_the_model()
    {
        var table = await WaitForTableAsync(t =>
            Serves(t, "yvr", "near-chat") && Serves(t, "yyz", "near-chat") && Serves(t, "yul", "yul-chat"));
        Assert.False(Serves(table, "yul", "near-chat"));

        // A gateway's first chat pays for compiling its chat path; that is start-up, not distance, so it is paid here
        // rather than inside the router's latency estimates.
        foreach (var colo in new[] { "yvr", "yyz" })
        {
            using var direct = await fleet.GatewayClientAsync(colo);
            await ChatManyAsync(direct, "near-chat", 2);
        }

        using var host = await StartRouterAsync(fleet.App.GetEndpoint("controlplane", "http"));
        using var http = await RoutedClientAsync(host);
        await WaitForProbesAsync(host);
        // Nearest is what the router measures: yvr's simulated distance is 2 ms, yyz's 30 ms.
        Assert.True(await FleetRouter.WaitUntilAsync(host,
            registry => registry.Nodes.Single(n => n.Colo == "yvr").ExpectedLatency < registry.Nodes.Single(n => n.Colo == "yyz").ExpectedLatency,
            TimeSpan.FromSeconds(15)), "the router never measured yvr nearer than yyz");

        var near = await ChatManyAsync(http, "near-chat", 12);
        Assert.DoesNotContain("yul", near);
        Assert.True(near.Count(colo => colo == "yvr") >= 10, string.Join(",", near) + " | " +
            string.Join(", ", host.Services.GetRequiredService<PolarGrid.Client.Nodes.NodeRegistry>().Nodes.Select(node => $"{node.Colo}: {node.ExpectedLatency.TotalMilliseconds:F1} ms ejected={node.IsEjected}")));

        var far = await ChatManyAsync(http, "yul-chat", 4);
        Assert.All(far, colo => Assert.Equal("yul", colo));
    }

    [Fact]
    public async Task A_colo_returning_errors_is_routed_around_without_a_failed_request_and_readmitted_when_it_heals()
    {
        using var host = await StartRouterAsync(fleet.App.GetEndpoint("controlplane", "http"));
        using var http = await RoutedClientAsync(host);
        await WaitForProbesAsync(host);
        var commands = fleet.App.Services.GetRequiredService<ResourceCommandService>();
        var registry = host.Services.GetRequiredService<PolarGrid.Client.Nodes.NodeRegistry>();
        try
        {
            Assert.True((await commands.ExecuteCommandAsync("yvr-gateway", "inject-errors", CancellationToken.None)).Success);

            // Every request still succeeds: a 500 before the first byte is retried on the next node.
            var answered = await ChatManyAsync(http, "near-chat", 10);
            Assert.Equal(10, answered.Count);
            Assert.All(answered, colo => Assert.Equal("yyz", colo));
            // Ejected on its error rate (its probes still pass, as a misconfigured node's would, so it may already be
            // on probation again).
            var yvr = registry.Nodes.Single(node => node.Colo == "yvr");
            Assert.True(yvr.IsEjected || yvr.ErrorRate >= 0.5, $"ejected {yvr.IsEjected}, error rate {yvr.ErrorRate}");
        }
        finally
        {
            Assert.True((await commands.ExecuteCommandAsync("yvr-gateway", "clear-faults", CancellationToken.None)).Success);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (registry.Nodes.Single(node => node.Colo == "yvr").IsEjected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.False(registry.Nodes.Single(node => node.Colo == "yvr").IsEjected);
    }

    [Fact]
    public async Task Killing_a_colos_gateway_under_steady_load_fails_no_request_and_the_colo_is_readmitted_when_it_returns()
    {
        using var host = await StartRouterAsync(fleet.App.GetEndpoint("controlplane", "http"));
        using var http = await RoutedClientAsync(host);
        await WaitForProbesAsync(host);
        var registry = host.Services.GetRequiredService<PolarGrid.Client.Nodes.NodeRegistry>();
        var commands = fleet.App.Services.GetRequiredService<ResourceCommandService>();

        using var stop = new CancellationTokenSource();
        var failures = 0;
        var firstFailure = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var served = new System.Collections.Concurrent.ConcurrentBag<string>();
        // Steady, not flat out: ~8 requests/s stays inside the local token's 600 requests/minute on any one gateway.
        var load = Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    served.Add(await ChatAsync(http, "near-chat"));
                    await Task.Delay(250);
                }
                catch (Exception error) when (error is HttpRequestException or Xunit.Sdk.XunitException)
                {
                    if (Interlocked.Increment(ref failures) <= 3)
                    {
                        firstFailure.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {error.GetType().Name}: {error.Message}");
                    }
                    await Task.Delay(10);
                }
            }
        }));

        try
        {
            await Task.Delay(1000);
            Assert.True((await commands.ExecuteCommandAsync("yvr-gateway", KnownResourceCommands.StopCommand, CancellationToken.None)).Success);
            var ejectedBy = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!registry.Nodes.Single(node => node.Colo == "yvr").IsEjected && DateTime.UtcNow < ejectedBy)
            {
                await Task.Delay(50);
            }
            Assert.True(registry.Nodes.Single(node => node.Colo == "yvr").IsEjected);
            await Task.Delay(1000);
        }
        finally
        {
            Assert.True((await commands.ExecuteCommandAsync("yvr-gateway", KnownResourceCommands.StartCommand, CancellationToken.None)).Success);
        }

        await fleet.App.ResourceNotifications.WaitForResourceHealthyAsync("yvr-gateway").WaitAsync(TimeSpan.FromMinutes(2));
        var readmittedBy = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (registry.Nodes.Single(node => node.Colo == "yvr").IsEjected && DateTime.UtcNow < readmittedBy)
        {
            await Task.Delay(100);
        }
        stop.Cancel();
        await load;

        Assert.True(failures == 0, $"{failures} failed: {string.Join(" | ", firstFailure)}");
        Assert.False(registry.Nodes.Single(node => node.Colo == "yvr").IsEjected);
        Assert.Contains("yyz", served);
    }

    [Fact]
    public async Task Without_the_control_plane_the_router_starts_from_its_verified_cache_and_refuses_a_tampered_one()
    {
        using (var online = await StartRouterAsync(fleet.App.GetEndpoint("controlplane", "http")))
        {
            await WaitForProbesAsync(online);
            Assert.True(File.Exists(CachePath));
        }

        // A control plane that is not there at all.
        var gone = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        using (var offline = await StartRouterAsync(gone))
        {
            // The cached table carries the health the collector last saw; the router's own probes take over from it.
            Assert.True(await FleetRouter.WaitUntilAsync(offline, registry => registry.Nodes.Count == FleetFixture.Colos.Length && registry.Nodes.All(node => !node.IsEjected), TimeSpan.FromSeconds(20)));
            using var http = await RoutedClientAsync(offline);
            var answered = await ChatManyAsync(http, "near-chat", 3);
            Assert.Equal(3, answered.Count);
        }

        // Alter the cached table's payload: its signature no longer holds, so there is nothing to route with.
        var cache = await File.ReadAllTextAsync(CachePath);
        var signed = JsonSerializer.Deserialize(JsonDocument.Parse(cache).RootElement.GetProperty("table").GetRawText(), RoutingJsonContext.Default.SignedRoutingTable)!;
        var payload = System.Buffers.Text.Base64Url.DecodeFromChars(signed.Payload);
        var forged = System.Text.Encoding.UTF8.GetString(payload).Replace("near-chat", "evil-chat");
        await File.WriteAllTextAsync(CachePath, cache.Replace(signed.Payload, System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(forged))));
        using (var tampered = await StartRouterAsync(gone))
        {
            using var http = await RoutedClientAsync(tampered);
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => ChatAsync(http, "near-chat"));
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => ChatAsync(http, "evil-chat"));
        }
    }

    private string CachePath => Path.Combine(_client.Path, "routing-table.json");

    private Task<IHost> StartRouterAsync(Uri controlPlane) => FleetRouter.StartAsync(fleet, controlPlane, CachePath);

    private Task<HttpClient> RoutedClientAsync(IHost host) => FleetRouter.ClientAsync(fleet, host);

    private static Task WaitForProbesAsync(IHost host) => FleetRouter.WaitForProbesAsync(host);

    private static Task<List<string>> ChatManyAsync(HttpClient http, string model, int count) => FleetRouter.ChatManyAsync(http, model, count);

    private static Task<string> ChatAsync(HttpClient http, string model) => FleetRouter.ChatAsync(http, model);

    private static bool Serves(RoutingTable table, string colo, string model) => FleetRouter.Serves(table, colo, model);

    private Task EnsureLoadedAsync(string colo, string name) => FleetRouter.LoadAsync(fleet, colo, name);

    private async Task<RoutingTable> WaitForTableAsync(Func<RoutingTable, bool> condition)
    {
        using var controlPlane = fleet.App.CreateHttpClient("controlplane", "http");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var table = await FleetRouter.TableAsync(controlPlane);
            if (condition(table) || DateTime.UtcNow > deadline)
            {
                return table;
            }
            await Task.Delay(250);
        }
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PolarGrid.Client.Nodes;
using PolarGrid.Routing;
using PolarGrid.Testing;
using Xunit.Abstractions;

namespace PolarGrid.Tests.Fleet;

/// <summary>
/// The control plane and its Postgres stopped on the real fleet, with the dashboard's own Stop: inference through the
/// router goes on from the table it holds (or its verified disk cache), and the table moves on when they return.
/// Each test starts what it stopped again before it ends, as other fleet tests share the fleet.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetControlPlaneOutageTests(FleetFixture fleet, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan ReturnTimeout = TimeSpan.FromMinutes(2);

    // Refreshing every second, so "the table refreshes when it returns" is seconds, not the default 30 s.
    private static readonly Dictionary<string, string> FastRefresh = new() { ["RefreshInterval"] = "00:00:01" };

    private readonly ScratchDirectory _client = new("polargrid-outage");

    public Task InitializeAsync() => FleetRouter.LoadAsync(fleet, "yvr", "outage-chat");

    [Fact]
    public async Task With_the_control_plane_stopped_inference_goes_on_from_the_held_and_cached_table_and_the_table_refreshes_when_it_returns()
    {
        var endpoint = fleet.App.GetEndpoint("controlplane", "http");
        using var running = await FleetRouter.StartAsync(fleet, endpoint, CachePath, FastRefresh);
        using var http = await FleetRouter.ClientAsync(fleet, running);
        await FleetRouter.WaitForProbesAsync(running);
        var registry = FleetRouter.Registry(running);
        var before = await TableListingOutageChatAsync(running);
        Assert.Equal(RoutingTableOrigin.ControlPlane, registry.Origin);

        var held = before;
        try
        {
            var stop = await fleet.StopAllInstancesAsync("controlplane");
            output.WriteLine($"Stop on every replica: {(stop.Success ? "done" : stop.Message)}");
            // Ten refusals in a row: the port spreads requests over the replicas, so none of them answers any more.
            var refusals = 0;
            Assert.True(await UntilAsync(async () => (refusals = await ControlPlaneAnswersAsync() ? 0 : refusals + 1) >= 10, TimeSpan.FromSeconds(60)), "the control plane still answers");

            // The router that was running keeps its table (several refreshes have failed by now) and serves.
            held = registry.TableVersion!.Value;
            Assert.True(held >= before);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal(6, (await FleetRouter.ChatManyAsync(http, "outage-chat", 6)).Count);
            Assert.Equal(RoutingTableOrigin.ControlPlane, registry.Origin);
            Assert.Equal(held, registry.TableVersion);

            // A router starting now has only its disk: it starts from the verified cache and serves too.
            using (var fresh = await FleetRouter.StartAsync(fleet, endpoint, CachePath))
            {
                using var freshHttp = await FleetRouter.ClientAsync(fleet, fresh);
                Assert.All(await FleetRouter.ChatManyAsync(freshHttp, "outage-chat", 3), colo => Assert.Equal("yvr", colo));
                Assert.Equal(RoutingTableOrigin.Cache, FleetRouter.Registry(fresh).Origin);
                Assert.Equal(held, FleetRouter.Registry(fresh).TableVersion);
            }

            // A colo takes a deployment without the control plane, and the router uses it as soon as its probes list it
            // (and pass: a load on this small machine can slow a probe past its timeout, which ejects the colo briefly).
            await FleetRouter.LoadAsync(fleet, "yul", "cp-outage-chat");
            Assert.True(await FleetRouter.WaitUntilAsync(running, r => r.Nodes.Single(n => n.Colo == "yul") is { IsEjected: false } yul && yul.Serves("cp-outage-chat"), TimeSpan.FromSeconds(30)));
            Assert.Equal("yul", await FleetRouter.ChatAsync(http, "cp-outage-chat"));
        }
        finally
        {
            await fleet.StartAllInstancesAsync("controlplane", ReturnTimeout);
        }

        // Back: the router takes the next version, which lists what was deployed while the control plane was away.
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await FleetRouter.WaitUntilAsync(running, r => r.TableVersion > held, ReturnTimeout), $"still version {registry.TableVersion}");
        output.WriteLine($"Control plane started → router on a new table: {stopwatch.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(RoutingTableOrigin.ControlPlane, registry.Origin);
        using var controlPlaneHttp = fleet.App.CreateHttpClient("controlplane", "http");
        Assert.True(await UntilAsync(async () => FleetRouter.Serves(await FleetRouter.TableAsync(controlPlaneHttp), "yul", "cp-outage-chat"), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task With_postgres_stopped_the_control_plane_serves_its_last_table_stale_without_a_500_and_a_fresh_one_when_it_returns()
    {
        var endpoint = fleet.App.GetEndpoint("controlplane", "http");
        using var router = await FleetRouter.StartAsync(fleet, endpoint, CachePath, FastRefresh);
        using var http = await FleetRouter.ClientAsync(fleet, router);
        await FleetRouter.WaitForProbesAsync(router);
        var registry = FleetRouter.Registry(router);
        var before = await TableListingOutageChatAsync(router);
        var verifier = RoutingTableVerifier.FromPem(new Dictionary<string, string>
        {
            ["local"] = await File.ReadAllTextAsync(Path.Combine(fleet.DataRoot, "controlplane", "routing-public.pem")),
        });

        // Clients poll the table through the whole outage (both replicas, behind one port); every status is kept.
        var statuses = new ConcurrentBag<HttpStatusCode>();
        using var stopPolling = new CancellationTokenSource();
        using var poller = fleet.App.CreateHttpClient("controlplane", "http");
        var polling = Task.Run(async () =>
        {
            while (!stopPolling.IsCancellationRequested)
            {
                using var response = await poller.GetAsync("/v1/routing-table");
                statuses.Add(response.StatusCode);
                await Task.Delay(100);
            }
        });

        try
        {
            Assert.True((await fleet.StopAllInstancesAsync("postgres")).Success);

            // Every replica says its table is stale, still signed, still the version it had.
            var stale = 0;
            Assert.True(await UntilAsync(async () =>
            {
                using var response = await poller.GetAsync("/v1/routing-table");
                var signed = await response.Content.ReadFromJsonAsync(RoutingJsonContext.Default.SignedRoutingTable);
                var table = verifier.Verify(signed!);
                Assert.NotNull(table);
                stale = table.Stale ? stale + 1 : 0;
                return stale >= 4;
            }, TimeSpan.FromSeconds(30)), "no run of stale tables from the control plane");

            // Inference never needed Postgres.
            Assert.Equal(6, (await FleetRouter.ChatManyAsync(http, "outage-chat", 6)).Count);
            Assert.True(registry.TableVersion >= before);

            // A deployment now is collected only once Postgres is back.
            await FleetRouter.LoadAsync(fleet, "yul", "pg-outage-chat");
            Assert.True(await FleetRouter.WaitUntilAsync(router, r => r.Nodes.Single(n => n.Colo == "yul") is { IsEjected: false } yul && yul.Serves("pg-outage-chat"), TimeSpan.FromSeconds(30)));
            Assert.Equal("yul", await FleetRouter.ChatAsync(http, "pg-outage-chat"));
        }
        finally
        {
            await fleet.StartAllInstancesAsync("postgres", ReturnTimeout);
        }

        using var controlPlane = fleet.App.CreateHttpClient("controlplane", "http");
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await UntilAsync(async () =>
        {
            var table = await FleetRouter.TableAsync(controlPlane);
            return !table.Stale && table.Version > before && FleetRouter.Serves(table, "yul", "pg-outage-chat");
        }, ReturnTimeout), "no fresh table listing the deployment");
        Assert.True(await FleetRouter.WaitUntilAsync(router, r => r.TableVersion > before, TimeSpan.FromSeconds(30)));
        output.WriteLine($"Postgres started → fresh table at the control plane and the router: {stopwatch.Elapsed.TotalSeconds:F1} s");

        stopPolling.Cancel();
        await polling;
        Assert.NotEmpty(statuses);
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
    }

    /// <summary>
    /// Waits until the router holds a table that lists the model loaded for these tests (collected after the load), so
    /// the cache a router may start from lists it too; that table's version.
    /// </summary>
    private async Task<long> TableListingOutageChatAsync(IHost router)
    {
        using var controlPlane = fleet.App.CreateHttpClient("controlplane", "http");
        RoutingTable? listing = null;
        Assert.True(await UntilAsync(async () => FleetRouter.Serves(listing = await FleetRouter.TableAsync(controlPlane), "yvr", "outage-chat"), TimeSpan.FromSeconds(30)));
        Assert.True(await FleetRouter.WaitUntilAsync(router, r => r.TableVersion >= listing!.Version, TimeSpan.FromSeconds(10)));
        return FleetRouter.Registry(router).TableVersion!.Value;
    }

    private string CachePath => Path.Combine(_client.Path, "routing-table.json");

    private async Task<bool> ControlPlaneAnswersAsync()
    {
        using var http = new HttpClient { BaseAddress = fleet.App.GetEndpoint("controlplane", "http"), Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await http.GetAsync("/v1/routing-table");
            return response.IsSuccessStatusCode;
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(250);
        }
        return true;
    }

    public async Task DisposeAsync()
    {
        // Whatever happened above, the next test finds the control plane and its database up.
        await fleet.WaitUntilHealthyAsync("postgres", "polargrid", "controlplane");
        _client.Dispose();
    }
}

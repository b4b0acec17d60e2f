using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PolarGrid.Routing;
using PolarGrid.Testing;

namespace PolarGrid.Tests.ControlPlane;

/// <summary>Postgres goes away: the replicas keep serving their last table, re-signed as stale, and no request gets a 500.</summary>
[Collection(ControlPlaneCollection.Name)]
public sealed class DatabaseOutageTests(PostgresFixture postgres)
{
    [Fact]
    public async Task With_postgres_stopped_the_last_table_is_served_stale_and_signed_and_nothing_fails_with_500()
    {
        // A server of its own: this test stops it.
        await using var server = await PostgresProcess.StartAsync();
        await server.CreateDatabaseAsync("polargrid");
        await using var node = await FakeNode.StartAsync();
        node.SetModel("tiny_llama", "ready");
        var settings = new ControlPlaneSettings(server.ConnectionString("polargrid"), [("yvr", node.Address)]);
        await using var first = await ControlPlaneReplica.StartAsync(settings);
        await using var second = await ControlPlaneReplica.StartAsync(settings);
        var replicas = new[] { first, second };
        RoutingTable before = null!;
        foreach (var replica in replicas)
        {
            before = await Poll.UntilAsync(replica.TableAsync, table => table.Nodes.Single().State == RoutedNode.Healthy, "the node healthy");
        }
        var verifier = await first.VerifierAsync();

        await server.StopServerAsync();

        foreach (var replica in replicas)
        {
            var (response, signed, stale) = await Poll.UntilAsync(() => replica.GetTableAsync(), served => served.Table.Stale, "a stale table");
            Assert.Equal(before.Version, stale.Version);
            Assert.Equal(Content.Of(before.Nodes), Content.Of(stale.Nodes));
            Assert.Equal(before.GeneratedAt, stale.GeneratedAt);
            Assert.NotNull(verifier.Verify(signed));
            Assert.Equal($"W/\"{before.Version}-stale\"", response.Headers.ETag!.ToString());

            // A client holding the fresh table learns that it is now stale; one holding the stale one gets 304.
            using var conditional = new HttpRequestMessage(HttpMethod.Get, "/v1/routing-table");
            conditional.Headers.TryAddWithoutValidation("If-None-Match", response.Headers.ETag.ToString());
            Assert.Equal(HttpStatusCode.NotModified, (await replica.Http.SendAsync(conditional)).StatusCode);

            // Many requests, every one served.
            var statuses = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ => (await replica.Http.GetAsync("/v1/routing-table")).StatusCode));
            Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));

            // Health says the database is away, without taking the replica out of rotation (degraded is 200).
            using var healthResponse = await replica.Http.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, healthResponse.StatusCode);
            var health = await healthResponse.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("degraded", health.GetProperty("status").GetString());
            Assert.Equal("degraded", health.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
            Assert.True(health.GetProperty("checks").GetProperty("routing-table").GetProperty("data").GetProperty("stale").GetBoolean());

            // What needs the database says so with a 503 and Retry-After, not a 500.
            using var nodes = await replica.Http.GetAsync("/v1/nodes");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, nodes.StatusCode);
            Assert.NotNull(nodes.Headers.RetryAfter);
            using var admin = new HttpRequestMessage(HttpMethod.Delete, "/v1/nodes/yvr");
            admin.Headers.Authorization = new("Bearer", ControlPlaneSettings.AdminKeyValue);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await replica.Http.SendAsync(admin)).StatusCode);
        }
        Assert.DoesNotContain(first.Logs.Lines.Concat(second.Logs.Lines), line => line.StartsWith("Critical", StringComparison.Ordinal));

        // Back again: fresh, and collecting again.
        await server.StartServerAsync();
        node.SetModel("tiny_llama", "unloading");
        foreach (var replica in replicas)
        {
            var recovered = await Poll.UntilAsync(replica.TableAsync,
                table => !table.Stale && table.Nodes.Single().Models.Single().State == "unloading", "a fresh table with the new model state");
            Assert.True(recovered.Version > before.Version);
        }
    }

    [Fact]
    public async Task Versions_keep_growing_after_postgres_lost_its_newest_versions()
    {
        var connectionString = await postgres.NewDatabaseAsync();
        await using var node = await FakeNode.StartAsync();
        node.SetModel("tiny_llama", "loading");
        await using var replica = await ControlPlaneReplica.StartAsync(new ControlPlaneSettings(connectionString, [("yvr", node.Address)]));
        var served = await Poll.UntilAsync(replica.TableAsync, table => table.Nodes.Single().State == RoutedNode.Healthy, "the node healthy");

        // What a restore from an older backup, or a failover to a lagging standby, does: the newest versions are gone.
        await PostgresFixture.ScalarAsync<long>(connectionString, "WITH gone AS (DELETE FROM routing_tables RETURNING 1) SELECT count(*) FROM gone");
        node.SetModel("tiny_llama", "ready");

        // The next version is still above the one the replica (and its clients) already hold, so it is served.
        var next = await Poll.UntilAsync(replica.TableAsync, table => table.Nodes.Single().Models.Single().State == "ready", "the change served");
        Assert.True(next.Version > served.Version);
    }
}

using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PolarGrid.Routing;

namespace PolarGrid.Tests.ControlPlane;

/// <summary>The routing table two replicas publish from what the collector found on real (tiny) nodes.</summary>
[Collection(ControlPlaneCollection.Name)]
public sealed class RoutingTableTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Lists_every_node_with_its_models_and_state_from_collected_health()
    {
        await using var yvr = await FakeNode.StartAsync();
        await using var yyz = await FakeNode.StartAsync();
        yvr.SetModel("tiny_llama", "ready", "chat");
        yvr.SetModel("minilm", "loading", "embeddings");
        yyz.Status = "degraded";
        yyz.SetModel("minilm", "ready", "embeddings");
        var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yvr", yvr.Address), ("yyz", yyz.Address)]);
        await using var replica = await ControlPlaneReplica.StartAsync(settings);

        var table = await Poll.UntilAsync(replica.TableAsync,
            table => table.Nodes.All(node => node.State != RoutedNode.Unknown), "both nodes collected");

        Assert.False(table.Stale);
        Assert.Equal(["yvr", "yyz"], table.Nodes.Select(node => node.Colo));
        var vancouver = table.Nodes[0];
        Assert.Equal(RoutedNode.Healthy, vancouver.State);
        Assert.Equal("region-yvr", vancouver.Region);
        Assert.Equal(yvr.Address, vancouver.Url);
        Assert.Equal(45.5, vancouver.Latitude);
        Assert.Equal(-73.5, vancouver.Longitude);
        Assert.NotNull(vancouver.LastSeenAt);
        Assert.Equal([new RoutedModel("minilm", "embeddings", "loading"), new RoutedModel("tiny_llama", "chat", "ready")], vancouver.Models);
        var toronto = table.Nodes[1];
        Assert.Equal(RoutedNode.Degraded, toronto.State);
        Assert.Equal([new RoutedModel("minilm", "embeddings", "ready")], toronto.Models);

        // The registry says why a node is not healthy.
        var nodes = await replica.Http.GetFromJsonAsync<JsonElement>("/v1/nodes");
        var status = nodes.GetProperty("nodes")[1].GetProperty("status");
        Assert.Equal("degraded", status.GetProperty("state").GetString());
        Assert.Contains("triton degraded", status.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Version_grows_only_when_content_changes_and_both_replicas_serve_the_same_version()
    {
        await using var node = await FakeNode.StartAsync();
        node.SetModel("tiny_llama", "loading");
        var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yul", node.Address)]);
        await using var first = await ControlPlaneReplica.StartAsync(settings);
        await using var second = await ControlPlaneReplica.StartAsync(settings);

        var (before, etag) = await SameOnBothAsync(first, second, table => table.Nodes.Single().State == RoutedNode.Healthy);

        // Several more collections of unchanged content: no new version.
        var pulls = node.Pulls.Count;
        await Poll.UntilAsync(() => Task.FromResult(node.Pulls.Count >= pulls + 4), "four more collections");
        foreach (var replica in new[] { first, second })
        {
            var (response, _, table) = await replica.GetTableAsync();
            Assert.Equal(before.Version, table.Version);
            Assert.Equal(etag, response.Headers.ETag!.ToString());
        }

        node.SetModel("tiny_llama", "ready");
        var (after, newEtag) = await SameOnBothAsync(first, second, table => table.Nodes.Single().Models.Single().State == "ready");
        Assert.True(after.Version > before.Version);
        Assert.NotEqual(etag, newEtag);
        Assert.True(after.GeneratedAt >= before.GeneratedAt);
    }

    [Fact]
    public async Task A_matching_if_none_match_gets_304_from_either_replica()
    {
        await using var node = await FakeNode.StartAsync();
        var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yow", node.Address)]);
        await using var first = await ControlPlaneReplica.StartAsync(settings);
        await using var second = await ControlPlaneReplica.StartAsync(settings);
        var (_, etag) = await SameOnBothAsync(first, second, table => table.Nodes.Single().State == RoutedNode.Healthy);

        foreach (var replica in new[] { first, second })
        {
            foreach (var tag in new[] { etag, $"\"other\", {etag}", "*" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/routing-table");
                request.Headers.TryAddWithoutValidation("If-None-Match", tag);
                using var response = await replica.Http.SendAsync(request);
                Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
                Assert.Equal(etag, response.Headers.ETag!.ToString());
                Assert.Empty(await response.Content.ReadAsByteArrayAsync());
            }

            var (fresh, _, _) = await replica.GetTableAsync(ifNoneMatch: "W/\"0\"");
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
            Assert.Contains("no-cache", fresh.Headers.CacheControl!.ToString());
        }
    }

    [Fact]
    public async Task The_signature_verifies_with_the_published_key_and_fails_for_any_alteration()
    {
        await using var node = await FakeNode.StartAsync();
        var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yyc", node.Address)]);
        await using var replica = await ControlPlaneReplica.StartAsync(settings);

        var keys = await replica.Http.GetFromJsonAsync("/v1/routing-table/keys", RoutingKeysJsonContext.Default.RoutingTableKeys);
        Assert.Equal("ES256", keys!.Algorithm);
        Assert.Equal("test-key", keys.CurrentKeyId);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", keys.Keys["test-key"]);
        Assert.DoesNotContain("PRIVATE", string.Join("", keys.Keys.Values));

        var (_, signed, table) = await replica.GetTableAsync();
        var verifier = RoutingTableVerifier.FromPem(keys.Keys);
        Assert.Equal(table.Version, verifier.Verify(signed)!.Version);

        // One changed byte of the payload: the state of a node, say.
        var payload = Base64Url.DecodeFromChars(signed.Payload);
        var altered = JsonSerializer.SerializeToUtf8Bytes(table with { Stale = !table.Stale }, RoutingJsonContext.Default.RoutingTable);
        Assert.Null(verifier.Verify(signed with { Payload = Base64Url.EncodeToString(altered) }));
        payload[^2] ^= 0x01;
        Assert.Null(verifier.Verify(signed with { Payload = Base64Url.EncodeToString(payload) }));
        var signature = Base64Url.DecodeFromChars(signed.Signature);
        signature[0] ^= 0x01;
        Assert.Null(verifier.Verify(signed with { Signature = Base64Url.EncodeToString(signature) }));
        Assert.Null(verifier.Verify(signed with { KeyId = "someone-else" }));

        // A key the client does not trust verifies nothing.
        using var stranger = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var untrusting = RoutingTableVerifier.FromPem(new Dictionary<string, string> { ["test-key"] = stranger.ExportSubjectPublicKeyInfoPem() });
        Assert.Null(untrusting.Verify(signed));
    }

    [Fact]
    public async Task A_node_that_goes_down_is_down_at_the_next_collection()
    {
        await using var up = await FakeNode.StartAsync();
        await using var going = await FakeNode.StartAsync();
        var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yhz", up.Address), ("yqb", going.Address)]);
        await using var replica = await ControlPlaneReplica.StartAsync(settings);
        await Poll.UntilAsync(replica.TableAsync, table => table.Nodes.All(node => node.State == RoutedNode.Healthy), "both nodes healthy");

        var lastSeenWhileUp = (await replica.TableAsync()).Nodes.Single(node => node.Colo == "yqb").LastSeenAt;
        await going.StopAsync();
        var stoppedAt = DateTimeOffset.UtcNow;

        var table = await Poll.UntilAsync(replica.TableAsync,
            table => table.Nodes.Single(node => node.Colo == "yqb").State == RoutedNode.Down, "yqb down");
        var down = table.Nodes.Single(node => node.Colo == "yqb");
        Assert.Empty(down.Models);
        Assert.Equal(new NodeMetrics(null, null, null), down.Metrics);
        Assert.True(down.LastSeenAt >= lastSeenWhileUp && down.LastSeenAt <= stoppedAt);
        Assert.Equal(RoutedNode.Healthy, table.Nodes.Single(node => node.Colo == "yhz").State);

        // The first collection that started after the node stopped already found it down.
        await Poll.UntilAsync(async () => await PostgresFixture.ScalarAsync<long>(settings.ConnectionString,
            "SELECT count(*) FROM node_samples WHERE colo = 'yqb' AND collected_at > @stopped", ("stopped", stoppedAt)) > 0,
            "a collection after the stop");
        var firstAfter = await PostgresFixture.ScalarAsync<string>(settings.ConnectionString,
            "SELECT state FROM node_samples WHERE colo = 'yqb' AND collected_at > @stopped ORDER BY collected_at LIMIT 1", ("stopped", stoppedAt));
        Assert.Equal("down", firstAfter);
        var reason = await PostgresFixture.ScalarAsync<string>(settings.ConnectionString,
            "SELECT reason FROM node_samples WHERE colo = 'yqb' ORDER BY collected_at DESC LIMIT 1");
        Assert.StartsWith("unreachable", reason);
    }

    [Fact]
    public async Task An_unchanged_table_is_republished_once_refresh_after_has_passed()
    {
        await using var node = await FakeNode.StartAsync();
        var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yxe", node.Address)])
        {
            RefreshAfter = TimeSpan.FromSeconds(2),
        };
        await using var replica = await ControlPlaneReplica.StartAsync(settings);
        var first = await Poll.UntilAsync(replica.TableAsync, table => table.Nodes.Single().State == RoutedNode.Healthy, "the node healthy");

        var refreshed = await Poll.UntilAsync(replica.TableAsync, table => table.Version > first.Version, "a refreshed version");
        Assert.Equal(Content.Of([first.Nodes.Single() with { LastSeenAt = null }]), Content.Of([refreshed.Nodes.Single() with { LastSeenAt = null }]));
        Assert.True(refreshed.Nodes.Single().LastSeenAt > first.Nodes.Single().LastSeenAt);
        Assert.True(refreshed.GeneratedAt - first.GeneratedAt >= settings.RefreshAfter);
    }

    /// <summary>Waits until both replicas serve one version that satisfies <paramref name="accept"/>; checks they serve the same bytes.</summary>
    private static async Task<(RoutingTable Table, string ETag)> SameOnBothAsync(
        ControlPlaneReplica first, ControlPlaneReplica second, Func<RoutingTable, bool> accept)
    {
        var (a, b) = await Poll.UntilAsync(async () => (await first.GetTableAsync(), await second.GetTableAsync()),
            pair => accept(pair.Item1.Table) && pair.Item1.Table.Version == pair.Item2.Table.Version,
            "both replicas to serve the same accepted version");
        Assert.Equal(a.Response.Headers.ETag!.ToString(), b.Response.Headers.ETag!.ToString());
        Assert.True(a.Response.Headers.ETag.IsWeak);
        // The same version is the same content, byte for byte, whichever replica signed it.
        Assert.Equal(a.Signed.Payload, b.Signed.Payload);
        return (a.Table, a.Response.Headers.ETag.ToString());
    }
}

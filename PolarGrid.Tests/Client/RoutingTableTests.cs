using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using PolarGrid.Client.Nodes;
using PolarGrid.Routing;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Client;

/// <summary>The routing table's life: fetched and verified, cached on disk, used from the cache, refused when forged or too old.</summary>
public sealed class RoutingTableTests
{
    [Fact]
    public async Task StartsFromTheDiskCacheWhileTheControlPlaneIsDown()
    {
        using var scratch = new ScratchDirectory("polargrid-client");
        var cachePath = Path.Combine(scratch.Path, "routing", "table.json");
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        controlPlane.Publish(FakeControlPlane.TableOf(7, time.GetUtcNow(), yvr));

        await using (var first = await RouterHost.StartAsync(RouterHost.Settings(controlPlane, cachePath), time))
        {
            Assert.Equal((200, "hello from yvr"), await first.ChatAsync("m1"));
            Assert.Equal(RoutingTableOrigin.ControlPlane, first.Registry.Origin);
        }
        // Written whole: the cache file and nothing else (no temporary file left behind), and it verifies.
        Assert.Equal([cachePath], Directory.GetFiles(Path.GetDirectoryName(cachePath)!));
        Assert.NotNull(Verifier(controlPlane).Verify(ReadCachedTable(cachePath)));

        await controlPlane.StopAsync();
        time.Advance(TimeSpan.FromHours(1));
        await using var second = await RouterHost.StartAsync(RouterHost.Settings(controlPlane, cachePath), time);
        Assert.Equal((200, "hello from yvr"), await second.ChatAsync("m1"));
        Assert.Equal(RoutingTableOrigin.Cache, second.Registry.Origin);
        Assert.Equal(7, second.Registry.TableVersion);
        Assert.Contains(second.Logs.Entries, entry => entry.Message.Contains("did not give the routing table"));
    }

    [Fact]
    public async Task RefusesATamperedCacheAndUsesTheFallbackNodes()
    {
        using var scratch = new ScratchDirectory("polargrid-client");
        var cachePath = Path.Combine(scratch.Path, "table.json");
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var evil = await FakeNode.StartAsync("evil", "m1");
        await using var fallback = await FakeNode.StartAsync("fallback", "m1");
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        controlPlane.Publish(FakeControlPlane.TableOf(3, time.GetUtcNow(), yvr));
        await using (var first = await RouterHost.StartAsync(RouterHost.Settings(controlPlane, cachePath), time))
        {
            Assert.Equal(RoutingTableOrigin.ControlPlane, first.Registry.Origin);
        }

        // Point the cached table at another node and keep the old signature, as an attacker with the file would.
        var envelope = JsonNode.Parse(File.ReadAllText(cachePath))!;
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(envelope["table"]!["payload"]!.GetValue<string>()));
        var forged = payload.Replace(yvr.Url.AbsoluteUri, evil.Url.AbsoluteUri, StringComparison.Ordinal);
        Assert.NotEqual(payload, forged);
        envelope["table"]!["payload"] = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(forged));
        File.WriteAllText(cachePath, envelope.ToJsonString());

        await controlPlane.StopAsync();
        await using var second = await RouterHost.StartAsync(RouterHost.Settings(controlPlane, cachePath, fallback), time);
        Assert.Equal((200, "hello from fallback"), await second.ChatAsync("m1"));
        Assert.Equal(RoutingTableOrigin.Fallback, second.Registry.Origin);
        Assert.Equal(0, evil.ChatRequests);
        Assert.Contains(second.Logs.Entries, entry => entry.Message.Contains("Routing table from Cache rejected: signature not valid"));
    }

    [Fact]
    public async Task RefusesATableSignedWithAnUntrustedKeyUntilAValidOneComes()
    {
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var fallback = await FakeNode.StartAsync("fallback", "m1");
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // Same key id, different key: only the signature can tell.
        controlPlane.Publish(FakeControlPlane.TableOf(1, time.GetUtcNow(), yvr), new RoutingTableSigner(FakeControlPlane.KeyId, otherKey));

        await using var router = await RouterHost.StartAsync(RouterHost.Settings(controlPlane, null, fallback), time);
        Assert.Equal((200, "hello from fallback"), await router.ChatAsync("m1"));
        Assert.Equal(RoutingTableOrigin.Fallback, router.Registry.Origin);
        Assert.Equal(0, yvr.ChatRequests);

        controlPlane.Publish(FakeControlPlane.TableOf(2, time.GetUtcNow(), yvr));
        await Eventually.TrueAsync(() => router.Registry.Origin == RoutingTableOrigin.ControlPlane, "the validly signed table",
            step: () => router.Time!.Advance(TimeSpan.FromSeconds(5)));
        Assert.Equal((200, "hello from yvr"), await router.ChatAsync("m1"));
    }

    [Fact]
    public async Task StopsUsingATableTheControlPlaneHasNotConfirmedWithinMaxStaleness()
    {
        using var scratch = new ScratchDirectory("polargrid-client");
        var cachePath = Path.Combine(scratch.Path, "table.json");
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var fallback = await FakeNode.StartAsync("fallback", "m1");
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        controlPlane.Publish(FakeControlPlane.TableOf(1, time.GetUtcNow(), yvr));
        var settings = RouterHost.Settings(controlPlane, cachePath, fallback);
        settings["PolarGrid:Router:MaxStaleness"] = "01:00:00";
        await using (var first = await RouterHost.StartAsync(settings, time))
        {
            Assert.Equal(RoutingTableOrigin.ControlPlane, first.Registry.Origin);
        }
        await controlPlane.StopAsync();

        // Within the bound: the cached table; the moment the bound passes, the fallback nodes.
        time.Advance(TimeSpan.FromMinutes(50));
        await using (var second = await RouterHost.StartAsync(settings, time))
        {
            Assert.Equal((200, "hello from yvr"), await second.ChatAsync("m1"));
            Assert.Equal(RoutingTableOrigin.Cache, second.Registry.Origin);
            time.Advance(TimeSpan.FromMinutes(9));
            Assert.Equal(RoutingTableOrigin.Cache, second.Registry.Origin);
            time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
            await Eventually.TrueAsync(() => second.Registry.Origin == RoutingTableOrigin.Fallback, "the table to expire");
            Assert.Equal((200, "hello from fallback"), await second.ChatAsync("m1"));
        }

        // A process starting with a cache older than the bound does not use it at all.
        var yvrRequests = yvr.ChatRequests;
        await using var third = await RouterHost.StartAsync(settings, time);
        Assert.Equal(RoutingTableOrigin.Fallback, third.Registry.Origin);
        Assert.Equal((200, "hello from fallback"), await third.ChatAsync("m1"));
        Assert.Equal(yvrRequests, yvr.ChatRequests);
        Assert.Contains(third.Logs.Entries, entry => entry.Message.Contains("Routing table from Cache rejected: last confirmed"));
    }

    [Fact]
    public async Task AStaleTableFromAControlPlaneWithoutItsDatabaseDoesNotRenewFreshness()
    {
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var fallback = await FakeNode.StartAsync("fallback", "m1");
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        var table = FakeControlPlane.TableOf(4, time.GetUtcNow(), yvr);
        controlPlane.Publish(table);
        var settings = RouterHost.Settings(controlPlane, null, fallback);
        settings["PolarGrid:Router:MaxStaleness"] = "00:02:00";
        await using var router = await RouterHost.StartAsync(settings, time);
        await Eventually.TrueAsync(() => router.Registry.TableVersion == 4, "version 4");

        // The control plane loses Postgres: it keeps answering, with its last table marked stale. The router keeps
        // using it, but answers (200 once, then 304s) vouch for nothing after generated_at: past the bound, fallback.
        controlPlane.Publish(table with { Stale = true });
        var notModified = controlPlane.NotModified;
        var step = () => time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => controlPlane.NotModified > notModified, "a 304 for the stale table", step);
        Assert.True(time.GetUtcNow() - table.GeneratedAt < TimeSpan.FromMinutes(2));
        Assert.Equal(RoutingTableOrigin.ControlPlane, router.Registry.Origin);
        Assert.Equal((200, "hello from yvr"), await router.ChatAsync("m1"));

        await Eventually.TrueAsync(() => router.Registry.Origin == RoutingTableOrigin.Fallback, "the stale table to expire", step);
        Assert.True(time.GetUtcNow() - table.GeneratedAt >= TimeSpan.FromMinutes(2));
        Assert.Equal((200, "hello from fallback"), await router.ChatAsync("m1"));

        // The database is back: a fresh table is vouched for again.
        controlPlane.Publish(FakeControlPlane.TableOf(5, time.GetUtcNow(), yvr));
        await Eventually.TrueAsync(() => router.Registry.Origin == RoutingTableOrigin.ControlPlane && router.Registry.TableVersion == 5, "version 5", step);
        Assert.Equal((200, "hello from yvr"), await router.ChatAsync("m1"));
    }

    [Fact]
    public async Task RefreshesWithConditionalGetsAndNeverGoesBackToAnOlderVersion()
    {
        using var scratch = new ScratchDirectory("polargrid-client");
        var cachePath = Path.Combine(scratch.Path, "table.json");
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var yyz = await FakeNode.StartAsync("yyz", "m1");
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        var version1 = FakeControlPlane.TableOf(1, time.GetUtcNow(), yvr);
        controlPlane.Publish(version1);
        var settings = RouterHost.Settings(controlPlane, cachePath);
        settings["PolarGrid:Router:MaxStaleness"] = "00:02:00";
        await using var router = await RouterHost.StartAsync(settings, time);
        await Eventually.TrueAsync(() => router.Registry.TableVersion == 1, "version 1");

        // Unchanged: a 304 every refresh, which also renews the table's freshness: three minutes pass, past the
        // two-minute bound, and the table stays in use. The clock moves a second at a time, as the loop waits.
        var step = () => time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => controlPlane.NotModified >= 6, "six 304s", step);
        Assert.True(time.GetUtcNow() - version1.GeneratedAt >= TimeSpan.FromMinutes(3));
        Assert.Equal(RoutingTableOrigin.ControlPlane, router.Registry.Origin);
        Assert.Equal(controlPlane.ConditionalRequests, controlPlane.NotModified);
        Assert.DoesNotContain(router.Logs.Entries, entry => entry.Message.Contains("No node to route to"));
        var yvrNode = router.Node(yvr);

        controlPlane.Publish(FakeControlPlane.TableOf(2, time.GetUtcNow(), yvr, yyz));
        await Eventually.TrueAsync(() => router.Registry.TableVersion == 2, "version 2", step);
        Assert.Equal(2, router.Registry.Nodes.Count);
        Assert.Same(yvrNode, router.Node(yvr));

        // A validly signed but older table (a replay, or a control plane restored from an old backup) is refused.
        controlPlane.Publish(version1);
        await Eventually.TrueAsync(() => router.Logs.Entries.Any(entry => entry.Message.Contains("version 1 is older than version 2")), "the refusal", step);
        Assert.Equal(2, router.Registry.TableVersion);
        Assert.Equal(2, router.Registry.Nodes.Count);
    }

    private static RoutingTableVerifier Verifier(FakeControlPlane controlPlane) =>
        RoutingTableVerifier.FromPem(new Dictionary<string, string> { [FakeControlPlane.KeyId] = controlPlane.PublicKeyPem });

    private static SignedRoutingTable ReadCachedTable(string path)
    {
        using var envelope = JsonDocument.Parse(File.ReadAllText(path));
        return envelope.RootElement.GetProperty("table").Deserialize(RoutingJsonContext.Default.SignedRoutingTable)!;
    }
}

using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PolarGrid.Client.LoadBalancing;
using PolarGrid.Client.Routing;

namespace PolarGrid.Tests.Client;

/// <summary>The request path over real HTTP: which nodes are eligible, retries before the first byte, never after.</summary>
public sealed class RequestPathTests
{
    [Fact]
    public async Task RoutesOnlyToNodesThatServeTheModelAsTheTableAndThenTheProbesSay()
    {
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var yyz = await FakeNode.StartAsync("yyz", "m2");
        await using var yul = await FakeNode.StartAsync("yul", "m1");
        yul.ModelStates["m1"] = "loading";
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        controlPlane.Publish(FakeControlPlane.TableOf(1, time.GetUtcNow(), yvr, yyz, yul));
        await using var router = await RouterHost.StartAsync(RouterHost.Settings(controlPlane), time);
        await router.FirstProbeRoundAsync();

        for (var i = 0; i < 12; i++)
        {
            Assert.Equal((200, "hello from yvr"), await router.ChatAsync("m1"));
        }
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal((200, "hello from yyz"), await router.ChatAsync("m2"));
        }
        Assert.Equal(0, yul.ChatRequests);
        await Assert.ThrowsAsync<NoNodeAvailableException>(() => router.ChatAsync("unknown"));

        // The table is not updated, but the nodes' own /health is fresher: yul finished loading m1, yvr's failed.
        yul.ModelStates["m1"] = "ready";
        yvr.ModelStates["m1"] = "failed";
        await router.ProbeRoundAsync();
        var servedBefore = yvr.ChatRequests;
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal((200, "hello from yul"), await router.ChatAsync("m1"));
        }
        Assert.Equal(servedBefore, yvr.ChatRequests);
    }

    [Theory]
    [InlineData(ChatBehavior.Fail500)]
    [InlineData(ChatBehavior.RateLimited429)]
    [InlineData(null)]
    public async Task RetriesOnAnotherNodeWhenTheFirstFailsBeforeItsFirstByte(ChatBehavior? failure)
    {
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var yyz = await FakeNode.StartAsync("yyz", "m1");
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        controlPlane.Publish(FakeControlPlane.TableOf(1, time.GetUtcNow(), yvr, yyz));
        await using var router = await RouterHost.StartAsync(RouterHost.Settings(controlPlane), time,
            services => services.AddSingleton<INodeSelectionPolicy>(new PreferencePolicy("yvr", "yyz")));
        await router.FirstProbeRoundAsync();
        if (failure is { } behavior)
        {
            yvr.Chat = behavior;
        }
        else
        {
            // Connection refused: stopped after its last probe, so only the request itself can find out.
            await yvr.StopAsync();
        }

        Assert.Equal((200, "hello from yyz"), await router.ChatAsync("m1"));
        Assert.Equal(failure is null ? 0 : 1, yvr.ChatRequests);
        Assert.Equal(1, yyz.ChatRequests);
    }

    [Fact]
    public async Task NeverRetriesOnceAStreamHasStarted()
    {
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var yyz = await FakeNode.StartAsync("yyz", "m1");
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        controlPlane.Publish(FakeControlPlane.TableOf(1, time.GetUtcNow(), yvr, yyz));
        await using var router = await RouterHost.StartAsync(RouterHost.Settings(controlPlane), time,
            services => services.AddSingleton<INodeSelectionPolicy>(new PreferencePolicy("yvr", "yyz")));
        yvr.Chat = ChatBehavior.BreakMidStream;

        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = JsonContent.Create(RouterHost.ChatBody("m1", stream: true)) };
        using var response = await router.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await reader.ReadLineAsync());
        // Broken only once the client holds the first chunk: a reset racing the headers would be a failure before the first byte.
        yvr.BreakStream.SetResult();
        await Assert.ThrowsAnyAsync<IOException>(() => reader.ReadToEndAsync());

        Assert.Equal(1, yvr.ChatRequests);
        Assert.Equal(0, yyz.ChatRequests);
        // The broken stream is the node's failure, counted once its body ends.
        await Eventually.TrueAsync(() => router.Node(yvr).ErrorRate == 1, "the broken stream to count against yvr");
        Assert.Equal(0, router.Node(yvr).InFlight);
    }

    [Fact]
    public async Task ReturnsTheFailureWhenEveryNodeFailedOncePerNode()
    {
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var yyz = await FakeNode.StartAsync("yyz", "m1");
        await using var yul = await FakeNode.StartAsync("yul", "m1");
        await using var ams = await FakeNode.StartAsync("ams", "m1");
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        controlPlane.Publish(FakeControlPlane.TableOf(1, time.GetUtcNow(), yvr, yyz, yul, ams));
        await using var router = await RouterHost.StartAsync(RouterHost.Settings(controlPlane), time);
        foreach (var node in new[] { yvr, yyz, yul, ams })
        {
            node.Chat = ChatBehavior.Fail500;
        }

        Assert.Equal((500, null), await router.ChatAsync("m1"));
        // RetryCount = 2: three attempts, each on a different node, none twice.
        var attempts = new[] { yvr, yyz, yul, ams }.Select(node => node.ChatRequests).ToArray();
        Assert.Equal(3, attempts.Sum());
        Assert.All(attempts, count => Assert.InRange(count, 0, 1));
        Assert.All(router.Registry.Nodes, node => Assert.Equal(0, node.InFlight));
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PolarGrid.Client.LoadBalancing;

namespace PolarGrid.Tests.Client;

/// <summary>Active (probes) and passive (real traffic) health: ejection within one probe cycle, readmission after recovery.</summary>
public sealed class HealthTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NodeTurningBadIsRoutedAroundWithinOneProbeCycleAndReadmittedAfterRecovery(bool stopped)
    {
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var yyz = await FakeNode.StartAsync("yyz", "m1");
        await using var yul = await FakeNode.StartAsync("yul", "m1");
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        controlPlane.Publish(FakeControlPlane.TableOf(1, time.GetUtcNow(), yvr, yyz, yul));
        await using var router = await RouterHost.StartAsync(RouterHost.Settings(controlPlane), time);
        await router.FirstProbeRoundAsync();
        Assert.DoesNotContain(router.Registry.Nodes, node => node.IsEjected);

        var probesBefore = yyz.HealthRequests;
        if (stopped)
        {
            await yyz.StopAsync();
        }
        else
        {
            yyz.Unhealthy = true;
            yyz.Chat = ChatBehavior.Fail500;
        }
        await router.ProbeRoundAsync();

        Assert.True(router.Node(yyz).IsEjected, "one probe round after turning bad, yyz is out");
        Assert.Contains("probe failed", router.Node(yyz).EjectionReason);
        Assert.Equal(stopped ? probesBefore : probesBefore + 1, yyz.HealthRequests);
        var chatsBefore = yyz.ChatRequests;
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(200, (await router.ChatAsync("m1")).Status);
        }
        Assert.Equal(chatsBefore, yyz.ChatRequests);

        if (stopped)
        {
            await yyz.StartAsync();
        }
        else
        {
            yyz.Unhealthy = false;
            yyz.Chat = ChatBehavior.Ok;
        }
        await router.ProbeRoundAsync();
        Assert.True(router.Node(yyz).IsEjected, "one good probe is not enough (ReadmitAfterProbes = 2)");
        await router.ProbeRoundAsync();
        Assert.False(router.Node(yyz).IsEjected);

        // Back in rotation: among three equal nodes it takes its share again.
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(200, (await router.ChatAsync("m1")).Status);
        }
        Assert.True(yyz.ChatRequests > chatsBefore, "yyz is routed to again after readmission");
        Assert.Contains(router.Logs.Entries, entry => entry.Message.Contains("Node yyz readmitted"));
    }

    [Fact]
    public async Task ErrorRateOfRealRequestsEjectsANodeWhoseProbesStillPass()
    {
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var yyz = await FakeNode.StartAsync("yyz", "m1");
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        controlPlane.Publish(FakeControlPlane.TableOf(1, time.GetUtcNow(), yvr, yyz));
        var settings = RouterHost.Settings(controlPlane);
        settings["PolarGrid:Router:ErrorRateMinimumRequests"] = "3";
        settings["PolarGrid:Router:EjectionThreshold"] = "0.5";
        await using var router = await RouterHost.StartAsync(settings, time,
            services => services.AddSingleton<INodeSelectionPolicy>(new PreferencePolicy("yvr", "yyz")));
        await router.FirstProbeRoundAsync();
        yvr.Chat = ChatBehavior.Fail500;

        for (var i = 0; i < 3; i++)
        {
            Assert.False(router.Node(yvr).IsEjected, "fewer than ErrorRateMinimumRequests failures do not eject");
            Assert.Equal((200, "hello from yyz"), await router.ChatAsync("m1"));
        }
        Assert.True(router.Node(yvr).IsEjected);
        Assert.Contains("3 of its last 3 requests failed", router.Node(yvr).EjectionReason);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal((200, "hello from yyz"), await router.ChatAsync("m1"));
        }
        Assert.Equal(3, yvr.ChatRequests);

        // Its /health never failed, so two rounds of good probes readmit it, with a clean error window.
        yvr.Chat = ChatBehavior.Ok;
        await router.ProbeRoundAsync();
        await router.ProbeRoundAsync();
        Assert.False(router.Node(yvr).IsEjected);
        Assert.Equal(0, router.Node(yvr).ErrorRate);
        Assert.Equal((200, "hello from yvr"), await router.ChatAsync("m1"));
    }
}

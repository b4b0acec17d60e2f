using Microsoft.Extensions.Time.Testing;
using PolarGrid.Client;
using PolarGrid.Client.LoadBalancing;
using PolarGrid.Client.Nodes;
using PolarGrid.Routing;

namespace PolarGrid.Tests.Client;

/// <summary>Power of two choices on expected latency: alone on node state, and over real HTTP.</summary>
public sealed class SelectionPolicyTests
{
    private readonly PowerOfTwoChoicesPolicy _policy = new();

    [Fact]
    public void NeverPicksTheCostliestCandidateAndSharesAmongTheOthers()
    {
        var nodes = new[] { Node("a", 10), Node("b", 20), Node("c", 200) };
        var picks = Enumerable.Range(0, 600).Select(_ => _policy.Pick(nodes, "m1").Colo).ToList();

        Assert.DoesNotContain("c", picks);
        // "a" wins every pair it is in (2 of 3 pairs), "b" only the pair with "c".
        Assert.InRange(picks.Count(colo => colo == "a"), 300, 500);
        Assert.InRange(picks.Count(colo => colo == "b"), 100, 300);
    }

    [Fact]
    public void WeighsTheRequestsAlreadyInFlight()
    {
        var busy = Node("busy", 10);
        var idle = Node("idle", 30);
        for (var i = 0; i < 3; i++)
        {
            busy.BeginRequest();
        }
        // 10 ms × 4 waiting > 30 ms × 1: the faster node is skipped while it is that loaded.
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Same(idle, _policy.Pick([busy, idle], "m1")));
        busy.EndRequest();
        busy.EndRequest();
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Same(busy, _policy.Pick([busy, idle], "m1")));
    }

    [Fact]
    public async Task SpreadsConcurrentRequestsBetweenEqualNodes()
    {
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var yyz = await FakeNode.StartAsync("yyz", "m1");
        await using var yul = await FakeNode.StartAsync("yul", "m1");
        var nodes = new[] { yvr, yyz, yul };
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        controlPlane.Publish(FakeControlPlane.TableOf(1, time.GetUtcNow(), nodes));
        await using var router = await RouterHost.StartAsync(RouterHost.Settings(controlPlane), time);
        await router.FirstProbeRoundAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var node in nodes)
        {
            node.Gate = gate;
        }

        // Equal nodes (on a fake clock every latency measures the same): requests held open are what differs.
        var requests = Enumerable.Range(0, 15).Select(_ => router.ChatAsync("m1")).ToList();
        await Eventually.TrueAsync(() => nodes.Sum(node => node.ChatRequests) == 15, "all requests to arrive");
        var counts = nodes.Select(node => node.ChatRequests).ToArray();
        gate.SetResult();
        Assert.All(await Task.WhenAll(requests), answer => Assert.Equal(200, answer.Status));

        Assert.All(counts, count => Assert.InRange(count, 2, 8));
        Assert.All(router.Registry.Nodes, node => Assert.Equal(0, node.InFlight));
    }

    [Fact]
    public async Task PrefersTheNodeThatAnswersFaster()
    {
        await using var slow = await FakeNode.StartAsync("slow", "m1");
        await using var fast = await FakeNode.StartAsync("fast", "m1");
        slow.Delay = TimeSpan.FromMilliseconds(500);
        await using var controlPlane = await FakeControlPlane.StartAsync();
        controlPlane.Publish(FakeControlPlane.TableOf(1, DateTimeOffset.UtcNow, slow, fast));
        var settings = RouterHost.Settings(controlPlane);
        settings["PolarGrid:Router:ProbeTimeout"] = "00:00:05";
        // The real clock: latencies are measured, not faked.
        await using var router = await RouterHost.StartAsync(settings);

        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(200, (await router.ChatAsync("m1")).Status);
        }

        // At most the first request or two explore the slow node; once measured it loses every comparison.
        Assert.InRange(slow.ChatRequests, 0, 2);
        Assert.InRange(fast.ChatRequests, 28, 30);
        Assert.True(router.Node(slow).MeasuredLatency is null || router.Node(slow).ExpectedLatency > router.Node(fast).ExpectedLatency);
    }

    private static RouterNode Node(string colo, int latencyMilliseconds)
    {
        var node = new RouterNode(
            new NodeSpec(colo, "test", new Uri($"http://{colo}.test/"), [new RoutedModel("m1", "llm", "ready")], RoutedNode.Healthy, null),
            new RouterOptions(),
            TimeProvider.System);
        node.RecordLatency(TimeSpan.FromMilliseconds(latencyMilliseconds));
        return node;
    }
}

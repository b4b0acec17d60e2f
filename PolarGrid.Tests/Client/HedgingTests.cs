using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using PolarGrid.Client.LoadBalancing;
using PolarGrid.Client.Telemetry;

namespace PolarGrid.Tests.Client;

/// <summary>Hedging on the model's time-to-first-token deadline, on a fake clock so "late" is exact.</summary>
public sealed class HedgingTests
{
    [Fact]
    public async Task SendsToTheNextNodeWhenHeadersMissTheDeadlineKeepsTheFasterAndCancelsTheOther()
    {
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var yyz = await FakeNode.StartAsync("yyz", "m1");
        await using var router = await StartAsync(yvr, yyz);
        using var hedges = new MetricCollector<long>(router.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), RouterTelemetry.Name, "polargrid.client.hedges");
        yvr.Chat = ChatBehavior.Hang;

        var streamed = StreamTextAsync(router);
        await Eventually.TrueAsync(() => yvr.ChatRequests == 1, "the first attempt to reach yvr");
        Assert.Equal(0, yyz.ChatRequests);
        // Two seconds is the deadline for m1; the clock moves in steps until the hedge has gone out.
        await Eventually.TrueAsync(() => yyz.ChatRequests == 1, "the hedge to reach yyz",
            step: () => router.Time!.Advance(TimeSpan.FromMilliseconds(100)));
        Assert.True(router.Time!.GetUtcNow() - HedgeStart >= TimeSpan.FromSeconds(2), "not hedged before the deadline");

        Assert.Equal("hello from yyz", await streamed);
        await Eventually.TrueAsync(() => yvr.AbortedRequests == 1, "the slower attempt to be cancelled");
        Assert.Equal(1, Assert.Single(hedges.GetMeasurementSnapshot()).Value);
        Assert.All(router.Registry.Nodes, node => Assert.Equal(0, node.InFlight));
        Assert.Equal(0, router.Node(yvr).ErrorRate);
    }

    [Fact]
    public async Task DoesNotHedgeWhenTheFirstNodeAnswersInTime()
    {
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var yyz = await FakeNode.StartAsync("yyz", "m1");
        await using var router = await StartAsync(yvr, yyz);

        Assert.Equal("hello from yvr", await StreamTextAsync(router));
        router.Time!.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal((200, "hello from yvr"), await router.ChatAsync("m1"));
        Assert.Equal(0, yyz.ChatRequests);
    }

    private static readonly DateTimeOffset HedgeStart = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task<RouterHost> StartAsync(FakeNode first, FakeNode second)
    {
        var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider(HedgeStart);
        controlPlane.Publish(FakeControlPlane.TableOf(1, time.GetUtcNow(), first, second));
        var settings = RouterHost.Settings(controlPlane);
        settings["PolarGrid:Router:Hedging:Enabled"] = "true";
        settings["PolarGrid:Router:Hedging:TimeToFirstTokenDeadlines:m1"] = "00:00:02";
        var router = await RouterHost.StartAsync(settings, time,
            services => services.AddSingleton<INodeSelectionPolicy>(new PreferencePolicy(first.Colo, second.Colo)));
        // The table is in use (and cached in memory); the control plane is not needed any more.
        await Eventually.TrueAsync(() => router.Registry.Nodes.Count == 2, "the routing table");
        await controlPlane.DisposeAsync();
        return router;
    }

    /// <summary>A streamed chat request; returns the text of its chunks.</summary>
    private static async Task<string> StreamTextAsync(RouterHost router)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = JsonContent.Create(RouterHost.ChatBody("m1", stream: true)) };
        using var response = await router.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var text = new System.Text.StringBuilder();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: {", StringComparison.Ordinal))
            {
                using var chunk = System.Text.Json.JsonDocument.Parse(line["data: ".Length..]);
                if (chunk.RootElement.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var content))
                {
                    text.Append(content.GetString());
                }
            }
        }
        return text.ToString();
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using PolarGrid.Client.LoadBalancing;
using PolarGrid.Client.Telemetry;

namespace PolarGrid.Tests.Client;

/// <summary>What the router tells OpenTelemetry: spans naming the node of each attempt, and counters of retries and ejections.</summary>
public sealed class TelemetryTests
{
    private static readonly ActivitySource TestSource = new("PolarGrid.Tests.Client");

    [Fact]
    public async Task SpansNameTheNodesAndMetricsCountRetriesAndEjections()
    {
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var yyz = await FakeNode.StartAsync("yyz", "m1");
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        controlPlane.Publish(FakeControlPlane.TableOf(1, time.GetUtcNow(), yvr, yyz));
        await using var router = await RouterHost.StartAsync(RouterHost.Settings(controlPlane), time,
            services => services.AddSingleton<INodeSelectionPolicy>(new PreferencePolicy("yvr", "yyz")));
        await router.FirstProbeRoundAsync();
        var meters = router.Services.GetRequiredService<IMeterFactory>();
        using var retries = new MetricCollector<long>(meters, RouterTelemetry.Name, "polargrid.client.retries");
        using var ejections = new MetricCollector<long>(meters, RouterTelemetry.Name, "polargrid.client.ejections");
        using var timeToFirstByte = new MetricCollector<double>(meters, RouterTelemetry.Name, "polargrid.client.time_to_first_byte");

        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is RouterTelemetry.Name or "PolarGrid.Tests.Client",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        yvr.Chat = ChatBehavior.Fail500;
        ActivityTraceId trace;
        using (var test = TestSource.StartActivity("test"))
        {
            trace = test!.TraceId;
            Assert.Equal((200, "hello from yyz"), await router.ChatAsync("m1"));
        }

        // Other tests run routers at the same time: only this test's trace counts.
        var ours = spans.Where(span => span.TraceId == trace && span.Source.Name == RouterTelemetry.Name).ToList();
        var route = Assert.Single(ours, span => span.OperationName == "polargrid.route");
        Assert.Equal("yyz", route.GetTagItem(RouterTelemetry.NodeTag));
        Assert.Equal("m1", route.GetTagItem(RouterTelemetry.ModelTag));
        Assert.Equal(2, route.GetTagItem(RouterTelemetry.AttemptsTag));
        var attempts = ours.Where(span => span.OperationName == "polargrid.attempt").OrderBy(span => span.StartTimeUtc).ToList();
        Assert.Equal(["yvr", "yyz"], attempts.Select(span => span.GetTagItem(RouterTelemetry.NodeTag)));
        Assert.Equal(["primary", "retry"], attempts.Select(span => span.GetTagItem(RouterTelemetry.AttemptReasonTag)));
        Assert.Equal(ActivityStatusCode.Error, attempts[0].Status);
        Assert.Equal(500, attempts[0].GetTagItem(RouterTelemetry.StatusCodeTag));
        Assert.All(attempts, span => Assert.Equal(route.SpanId, span.ParentSpanId));

        var retry = Assert.Single(retries.GetMeasurementSnapshot());
        Assert.Equal(1, retry.Value);
        Assert.Equal("m1", retry.Tags[RouterTelemetry.ModelTag]);
        Assert.Equal("yyz", Assert.Single(timeToFirstByte.GetMeasurementSnapshot()).Tags[RouterTelemetry.NodeTag]);

        yyz.Unhealthy = true;
        await router.ProbeRoundAsync();
        var ejection = Assert.Single(ejections.GetMeasurementSnapshot());
        Assert.Equal("yyz", ejection.Tags[RouterTelemetry.NodeTag]);
        Assert.Equal("probe", ejection.Tags[RouterTelemetry.ReasonTag]);
    }
}

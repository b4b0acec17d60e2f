using PolarGrid.ControlPlane.Collection;
using PolarGrid.ControlPlane.Routing;
using PolarGrid.Routing;

namespace PolarGrid.Tests.ControlPlane;

/// <summary>Cumulative traffic counters, pulled at each collection, become request rate, error share and median TTFT.</summary>
[Collection(ControlPlaneCollection.Name)]
public sealed class MetricsTests(PostgresFixture postgres)
{
    private static readonly double[] Bounds = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    [Fact]
    public async Task Counter_differences_between_collections_become_rates()
    {
        await using var busy = await FakeNode.StartAsync();
        await using var idle = await FakeNode.StartAsync();
        busy.Traffic = (RequestsPerSecond: 400, ErrorShare: 0.1);
        idle.Traffic = (RequestsPerSecond: 0, ErrorShare: 0);
        var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yvr", busy.Address), ("yyz", idle.Address)])
        {
            MetricsWindow = TimeSpan.FromSeconds(3),
        };
        await using var replica = await ControlPlaneReplica.StartAsync(settings);

        // Enough collections for a full window (3 s at 0.5 s), so the counters' rounding is noise, not signal.
        await Poll.UntilAsync(() => Task.FromResult(busy.Pulls.Count >= 9), "a window of collections");
        var table = await Poll.UntilAsync(replica.TableAsync,
            table => table.Nodes.All(node => node.Metrics.RequestRate is not null), "metrics for both nodes");

        var metrics = table.Nodes.Single(node => node.Colo == "yvr").Metrics;
        Assert.InRange(metrics.RequestRate!.Value, 340, 460);
        Assert.InRange(metrics.ErrorRate!.Value, 0.09, 0.11);
        Assert.Equal(75, metrics.TimeToFirstTokenP50Ms);

        // No traffic: a rate of zero, and no error share or TTFT to speak of.
        Assert.Equal(new NodeMetrics(0, null, null), table.Nodes.Single(node => node.Colo == "yyz").Metrics);
    }

    [Fact]
    public void The_median_is_interpolated_inside_its_bucket()
    {
        var then = Traffic(requests: 100, errors: 1, counts: [0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0]);
        // 100 new observations: 20 in (10, 25], 60 in (25, 50], 20 in (50, 100]. Rank 50 falls 30/60 into (25, 50].
        var now = Traffic(requests: 200, errors: 6, counts: [0, 0, 20, 70, 20, 0, 0, 0, 0, 0, 0, 0]);

        var metrics = MetricsCalculator.Calculate(At(10), now, At(0), then);

        Assert.Equal(new NodeMetrics(10, 0.05, 38), metrics); // 25 + 25 × 30/60 = 37.5, rounded to even.
    }

    [Fact]
    public void A_median_beyond_the_last_bucket_is_the_last_bound()
    {
        var then = Traffic(requests: 0, errors: 0, counts: new long[12]);
        var now = Traffic(requests: 3, errors: 0, counts: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
        Assert.Equal(10000, MetricsCalculator.Calculate(At(1), now, At(0), then).TimeToFirstTokenP50Ms);
    }

    [Fact]
    public void A_restarted_gateway_or_a_missing_baseline_gives_no_metrics_rather_than_wrong_ones()
    {
        var before = Traffic(requests: 500, errors: 5, counts: new long[12]);
        var restarted = Traffic(requests: 3, errors: 0, counts: new long[12]) with { StartedAt = before.StartedAt.AddMinutes(1) };
        Assert.Equal(MetricsCalculator.None, MetricsCalculator.Calculate(At(5), restarted, At(0), before));
        Assert.Equal(MetricsCalculator.None, MetricsCalculator.Calculate(At(5), before, null, null));
        // Counters that went backwards without a new start time are not trusted either.
        Assert.Equal(MetricsCalculator.None, MetricsCalculator.Calculate(At(5), before with { Requests = 400 }, At(0), before));
    }

    private static DateTimeOffset At(int seconds) => new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(seconds);

    private static NodeTraffic Traffic(long requests, long errors, long[] counts) =>
        new(At(-100), requests, errors, counts.Sum(), 0, Bounds, counts);
}

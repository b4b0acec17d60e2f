using PolarGrid.ControlPlane.Collection;
using PolarGrid.Routing;

namespace PolarGrid.ControlPlane.Routing;

/// <summary>
/// Turns two samples of a gateway's cumulative counters into window aggregates: requests per second, the share of
/// requests that failed, and the median time to first token (interpolated inside its histogram bucket, as Prometheus'
/// <c>histogram_quantile</c> does). Rounded, so that noise below what routing cares about does not make a new version.
/// </summary>
public static class MetricsCalculator
{
    public static readonly NodeMetrics None = new(null, null, null);

    public static NodeMetrics Calculate(DateTimeOffset latestAt, NodeTraffic? latest, DateTimeOffset? baselineAt, NodeTraffic? baseline)
    {
        if (latest is null || baseline is null || baselineAt is null || latest.StartedAt != baseline.StartedAt)
        {
            return None;
        }
        var seconds = (latestAt - baselineAt.Value).TotalSeconds;
        var requests = latest.Requests - baseline.Requests;
        var errors = latest.Errors - baseline.Errors;
        if (seconds <= 0 || requests < 0 || errors < 0)
        {
            return None;
        }

        return new NodeMetrics(
            Math.Round(requests / seconds, 2),
            requests == 0 ? null : Math.Round(Math.Min(1, (double)errors / requests), 3),
            MedianTimeToFirstToken(latest, baseline));
    }

    private static double? MedianTimeToFirstToken(NodeTraffic latest, NodeTraffic baseline)
    {
        var bounds = latest.TimeToFirstTokenBoundsMs;
        if (bounds.Count == 0 || latest.TimeToFirstTokenCounts.Count != bounds.Count + 1
            || !bounds.SequenceEqual(baseline.TimeToFirstTokenBoundsMs) || baseline.TimeToFirstTokenCounts.Count != bounds.Count + 1)
        {
            return null;
        }

        var deltas = latest.TimeToFirstTokenCounts.Zip(baseline.TimeToFirstTokenCounts, (now, then) => now - then).ToArray();
        var total = deltas.Sum();
        if (total <= 0 || deltas.Any(delta => delta < 0))
        {
            return null;
        }

        var rank = total / 2.0;
        long below = 0;
        for (var bucket = 0; bucket < deltas.Length; bucket++)
        {
            if (below + deltas[bucket] >= rank && deltas[bucket] > 0)
            {
                if (bucket == bounds.Count)
                {
                    return Math.Round(bounds[^1]); // Above the last bound: all that is known is "at least this".
                }
                var lower = bucket == 0 ? 0 : bounds[bucket - 1];
                var upper = bounds[bucket];
                return Math.Round(lower + (upper - lower) * (rank - below) / deltas[bucket]);
            }
            below += deltas[bucket];
        }
        return null;
    }
}

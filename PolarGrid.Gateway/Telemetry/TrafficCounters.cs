namespace PolarGrid.Gateway.Telemetry;

/// <summary>What the <c>traffic</c> health check reports: counters since <see cref="StartedAt"/>.</summary>
public sealed record TrafficSnapshot(
    DateTimeOffset StartedAt,
    long Requests,
    long Errors,
    long TimeToFirstTokenCount,
    double TimeToFirstTokenSumMs,
    IReadOnlyList<double> TimeToFirstTokenBoundsMs,
    IReadOnlyList<long> TimeToFirstTokenCounts);

/// <summary>
/// Cumulative inference traffic since the gateway started: requests, failures and a time-to-first-token histogram.
/// Only ever counts up, so the control plane, which pulls them every few seconds, turns differences between two pulls
/// into rates and a percentile, and a reset (a restart) shows as a new <see cref="StartedAt"/>.
/// </summary>
public sealed class TrafficCounters(DateTimeOffset startedAt)
{
    // One lock for all counters so that a snapshot is consistent (its bucket counts add up to its count); it is held
    // for a few additions per request.
    private readonly Lock _gate = new();
    private readonly double[] _boundsMs = GatewayTelemetry.TimeToFirstTokenBuckets.Select(seconds => seconds * 1000).ToArray();
    private readonly long[] _counts = new long[GatewayTelemetry.TimeToFirstTokenBuckets.Length + 1];
    private long _requests;
    private long _errors;
    private long _ttftCount;
    private double _ttftSumMs;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public void RequestCompleted(bool failed)
    {
        lock (_gate)
        {
            _requests++;
            if (failed)
            {
                _errors++;
            }
        }
    }

    public void TimeToFirstToken(double seconds)
    {
        var milliseconds = seconds * 1000;
        // Bucket i holds values in (bound[i-1], bound[i]]; the last one everything above the last bound.
        var bucket = Array.FindIndex(_boundsMs, bound => milliseconds <= bound);
        lock (_gate)
        {
            _counts[bucket < 0 ? _counts.Length - 1 : bucket]++;
            _ttftCount++;
            _ttftSumMs += milliseconds;
        }
    }

    public TrafficSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new TrafficSnapshot(StartedAt, _requests, _errors, _ttftCount, _ttftSumMs, _boundsMs, [.. _counts]);
        }
    }
}

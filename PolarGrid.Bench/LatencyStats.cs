namespace PolarGrid.Bench;

/// <summary>Percentiles of a set of latency samples, in microseconds.</summary>
public sealed record LatencyStats(int Count, double MedianUs, double P90Us, double P99Us, double MeanUs)
{
    public static LatencyStats From(IReadOnlyCollection<TimeSpan> samples)
    {
        var sorted = samples.Select(sample => sample.TotalMicroseconds).Order().ToArray();
        double At(double quantile) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
        return new LatencyStats(sorted.Length, At(0.5), At(0.9), At(0.99), sorted.Average());
    }

    public override string ToString() =>
        $"n={Count} median={MedianUs:F1} µs p90={P90Us:F1} µs p99={P99Us:F1} µs mean={MeanUs:F1} µs";
}

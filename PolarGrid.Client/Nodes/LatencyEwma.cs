namespace PolarGrid.Client.Nodes;

/// <summary>
/// An exponentially weighted moving average of a node's time to first byte. Sample-weighted rather than time-weighted:
/// each observation moves the estimate by the same share however far apart requests come.
/// </summary>
internal sealed class LatencyEwma(double decay)
{
    private readonly Lock _lock = new();
    private double _milliseconds = double.NaN;

    /// <summary>The estimate, or null before the first sample.</summary>
    public TimeSpan? Value
    {
        get
        {
            lock (_lock)
            {
                return double.IsNaN(_milliseconds) ? null : TimeSpan.FromMilliseconds(_milliseconds);
            }
        }
    }

    public void Record(TimeSpan sample)
    {
        lock (_lock)
        {
            // The first sample is the estimate: averaging it with an invented prior would only delay the truth.
            _milliseconds = double.IsNaN(_milliseconds)
                ? sample.TotalMilliseconds
                : (decay * _milliseconds) + ((1 - decay) * sample.TotalMilliseconds);
        }
    }
}

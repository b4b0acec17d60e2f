namespace PolarGrid.Client.Nodes;

/// <summary>
/// Requests and failures over a sliding window, kept in ten buckets so memory stays constant at any request rate and
/// old outcomes fall out a tenth of the window at a time.
/// </summary>
internal sealed class ErrorRateWindow
{
    private const int BucketCount = 10;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly long _bucketLength;
    private readonly Bucket[] _buckets = new Bucket[BucketCount];

    public ErrorRateWindow(TimeSpan window, TimeProvider time)
    {
        _time = time;
        _bucketLength = Math.Max(1, (long)(window.TotalSeconds * time.TimestampFrequency / BucketCount));
    }

    public void Record(bool failed)
    {
        var epoch = _time.GetTimestamp() / _bucketLength;
        lock (_lock)
        {
            ref var bucket = ref _buckets[epoch % BucketCount];
            if (bucket.Epoch != epoch)
            {
                bucket = new Bucket { Epoch = epoch };
            }
            bucket.Requests++;
            if (failed)
            {
                bucket.Failures++;
            }
        }
    }

    public (int Requests, int Failures) Totals()
    {
        var epoch = _time.GetTimestamp() / _bucketLength;
        var requests = 0;
        var failures = 0;
        lock (_lock)
        {
            foreach (var bucket in _buckets)
            {
                if (bucket.Requests > 0 && bucket.Epoch > epoch - BucketCount)
                {
                    requests += bucket.Requests;
                    failures += bucket.Failures;
                }
            }
        }
        return (requests, failures);
    }

    public void Reset()
    {
        lock (_lock)
        {
            Array.Clear(_buckets);
        }
    }

    private struct Bucket
    {
        public long Epoch;
        public int Requests;
        public int Failures;
    }
}

using System.Threading.RateLimiting;

namespace PolarGrid.Gateway.RateLimiting;

/// <summary>
/// A token bucket of model tokens that refills continuously (<c>tokensPerMinute</c> a minute) and whose leases can
/// be settled: a request reserves its worst case (prompt + <c>max_tokens</c>) up front, so concurrent requests can
/// never overshoot together, and gives back what it did not use when it ends.
/// </summary>
public sealed class TokenBudgetLimiter(int tokensPerMinute, TimeProvider time) : RateLimiter
{
    private readonly Lock _gate = new();
    private readonly double _perSecond = tokensPerMinute / 60.0;
    private double _available = tokensPerMinute;
    private long _refilledAt = time.GetTimestamp();
    private long _idleSince = time.GetTimestamp();

    public int Capacity { get; } = tokensPerMinute;

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_gate)
            {
                Refill();
                return _available >= Capacity ? time.GetElapsedTime(_idleSince) : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            Refill();
            return new RateLimiterStatistics { CurrentAvailablePermits = (long)_available };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_gate)
        {
            Refill();
            if (permitCount <= _available)
            {
                _available -= permitCount;
                _idleSince = time.GetTimestamp();
                return new BudgetLease(this, permitCount);
            }
            var wait = permitCount > Capacity
                ? TimeSpan.FromMinutes(1)
                : TimeSpan.FromSeconds(Math.Ceiling((permitCount - _available) / _perSecond));
            return new RejectedLease(wait);
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        // Requests are never queued: a client told to retry later is better than a request that waits unseen.
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Refund(int tokens)
    {
        lock (_gate)
        {
            Refill();
            _available = Math.Min(Capacity, _available + tokens);
        }
    }

    private void Refill()
    {
        var now = time.GetTimestamp();
        _available = Math.Min(Capacity, _available + time.GetElapsedTime(_refilledAt, now).TotalSeconds * _perSecond);
        _refilledAt = now;
    }

    /// <summary>An acquired reservation; <see cref="Settle"/> returns the unused part.</summary>
    public sealed class BudgetLease(TokenBudgetLimiter owner, int reserved) : RateLimitLease
    {
        private int _settled;

        public int Reserved { get; } = reserved;

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }

        /// <summary>Keeps <paramref name="used"/> tokens spent and refunds the rest of the reservation, once.</summary>
        public void Settle(int used)
        {
            if (Interlocked.Exchange(ref _settled, 1) == 0 && used < Reserved)
            {
                owner.Refund(Reserved - Math.Max(0, used));
            }
        }
    }

    private sealed class RejectedLease(TimeSpan retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? retryAfter : null;
            return metadata is not null;
        }
    }
}

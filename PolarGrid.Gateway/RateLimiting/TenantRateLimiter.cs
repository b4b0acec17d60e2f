using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace PolarGrid.Gateway.RateLimiting;

/// <summary>A request admitted under its tenant's limits, holding its token reservation until it settles.</summary>
public sealed class RateLimitReservation(TokenBudgetLimiter.BudgetLease tokens, RateLimitLease request) : IDisposable
{
    public int ReservedTokens => tokens.Reserved;

    /// <summary>Spends <paramref name="usedTokens"/> and returns the rest of the reservation.</summary>
    public void Settle(int usedTokens) => tokens.Settle(usedTokens);

    /// <summary>Without a settlement the whole reservation counts as spent.</summary>
    public void Dispose()
    {
        tokens.Settle(tokens.Reserved);
        tokens.Dispose();
        request.Dispose();
    }
}

/// <summary>A request refused by its tenant's limits.</summary>
public sealed record RateLimitRejection(string Limit, TimeSpan RetryAfter, string Message);

/// <summary>
/// Requests per minute and tokens per minute for each tenant, local to this node: no shared store is consulted on the
/// request path. Tenants are partitions of System.Threading.RateLimiting limiters; idle ones are dropped.
/// </summary>
public sealed class TenantRateLimiter : IDisposable
{
    private readonly RateLimitOptions _options;
    private readonly PartitionedRateLimiter<(string Tenant, TierLimits Tier)> _requests;
    private readonly PartitionedRateLimiter<(string Tenant, TierLimits Tier)> _tokens;

    public TenantRateLimiter(IOptions<RateLimitOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _requests = PartitionedRateLimiter.Create<(string Tenant, TierLimits Tier), string>(key =>
            RateLimitPartition.GetSlidingWindowLimiter(key.Tenant, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = key.Tier.RequestsPerMinute,
                Window = TimeSpan.FromMinutes(1),
                SegmentsPerWindow = 12,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        _tokens = PartitionedRateLimiter.Create<(string Tenant, TierLimits Tier), string>(key =>
            RateLimitPartition.Get(key.Tenant, _ => new TokenBudgetLimiter(key.Tier.TokensPerMinute, time)));
    }

    public (string Tenant, TierLimits Tier) Identify(ClaimsPrincipal user)
    {
        var tenant = user.FindFirstValue(_options.TenantClaim) ?? user.FindFirstValue("sub") ?? "anonymous";
        var tierName = user.FindFirstValue(_options.TierClaim) ?? _options.DefaultTier;
        if (!_options.Tiers.TryGetValue(tierName, out var tier))
        {
            tier = _options.Tiers.TryGetValue(_options.DefaultTier, out var fallback) ? fallback : new TierLimits();
        }
        return (tenant, tier);
    }

    /// <summary>Reserves one request and <paramref name="tokens"/> tokens, or says which limit refused and for how long.</summary>
    public RateLimitReservation? TryReserve(ClaimsPrincipal user, int tokens, out RateLimitRejection? rejection)
    {
        var key = Identify(user);
        var budget = _tokens.AttemptAcquire(key, tokens);
        if (!budget.IsAcquired)
        {
            rejection = new RateLimitRejection("tokens", RetryAfter(budget),
                tokens > key.Tier.TokensPerMinute
                    ? $"Request too large: it may use {tokens} tokens but the limit is {key.Tier.TokensPerMinute} tokens per minute."
                    : $"Rate limit reached for tokens per minute (limit {key.Tier.TokensPerMinute}); this request needs {tokens}.");
            budget.Dispose();
            return null;
        }

        var request = _requests.AttemptAcquire(key);
        if (!request.IsAcquired)
        {
            var lease = (TokenBudgetLimiter.BudgetLease)budget;
            lease.Settle(0);
            lease.Dispose();
            rejection = new RateLimitRejection("requests", RetryAfter(request),
                $"Rate limit reached for requests per minute (limit {key.Tier.RequestsPerMinute}).");
            request.Dispose();
            return null;
        }

        rejection = null;
        return new RateLimitReservation((TokenBudgetLimiter.BudgetLease)budget, request);
    }

    private static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(5);

    public void Dispose()
    {
        _requests.Dispose();
        _tokens.Dispose();
    }
}

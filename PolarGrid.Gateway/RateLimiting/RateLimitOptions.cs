namespace PolarGrid.Gateway.RateLimiting;

/// <summary>Per-tenant limits by tier. Bound from the <c>RateLimits</c> section.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>The claim naming the tenant; <c>sub</c> when the token has none.</summary>
    public string TenantClaim { get; set; } = "tenant";

    /// <summary>The claim naming the tenant's tier; <see cref="DefaultTier"/> when absent or unknown.</summary>
    public string TierClaim { get; set; } = "tier";

    public string DefaultTier { get; set; } = "default";

    public Dictionary<string, TierLimits> Tiers { get; set; } = new(StringComparer.Ordinal)
    {
        ["default"] = new TierLimits(),
    };
}

public sealed class TierLimits
{
    public int RequestsPerMinute { get; set; } = 600;
    public int TokensPerMinute { get; set; } = 200_000;
}

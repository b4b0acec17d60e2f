namespace PolarGrid.Gateway.Faults;

/// <summary>
/// Simulated trouble for the local fleet, bound from the <c>Faults</c> section: the node's network distance from its
/// clients (latency and jitter on every request) and a share of inference requests that fail as a misconfigured node's
/// would. <see cref="AdminKey"/> enables <c>/admin/faults</c> to change them at run time (the dashboard's commands).
/// </summary>
public sealed class FaultOptions
{
    public const string SectionName = "Faults";

    public TimeSpan Latency { get; set; }

    public TimeSpan Jitter { get; set; }

    /// <summary>0 to 1: the share of <c>/v1/*</c> requests answered with a 500.</summary>
    public double ErrorRate { get; set; }

    /// <summary>The key <c>/admin/faults</c> wants in <c>X-PolarGrid-Fault-Key</c>; without one the route does not exist.</summary>
    public string? AdminKey { get; set; }
}

/// <summary>The faults in force now.</summary>
public sealed record FaultSettings(TimeSpan Latency, TimeSpan Jitter, double ErrorRate)
{
    public static readonly FaultSettings None = new(TimeSpan.Zero, TimeSpan.Zero, 0);

    public bool IsNone => Latency <= TimeSpan.Zero && Jitter <= TimeSpan.Zero && ErrorRate <= 0;
}

/// <summary>Holds the current <see cref="FaultSettings"/>, replaced whole so a request never sees half a change.</summary>
public sealed class FaultState(Microsoft.Extensions.Options.IOptions<FaultOptions> options)
{
    private volatile FaultSettings _current = new(options.Value.Latency, options.Value.Jitter, Math.Clamp(options.Value.ErrorRate, 0, 1));

    public FaultSettings Current => _current;

    public void Set(FaultSettings settings) => _current = settings with { ErrorRate = Math.Clamp(settings.ErrorRate, 0, 1) };
}

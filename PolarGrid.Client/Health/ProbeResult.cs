namespace PolarGrid.Client.Health;

/// <summary>What one <c>GET /health</c> of a node said.</summary>
/// <param name="At">When the probe finished.</param>
/// <param name="Healthy">200 and not reported unhealthy.</param>
/// <param name="Failure">Why the probe failed (status, timeout, connection error); null when healthy.</param>
/// <param name="RoundTrip">Time to the response headers; null when the node did not answer.</param>
/// <param name="ModelStates">Each model's state from <c>checks.models.data</c>; null when the node did not list them.</param>
public sealed record ProbeResult(
    DateTimeOffset At,
    bool Healthy,
    string? Failure,
    TimeSpan? RoundTrip,
    IReadOnlyDictionary<string, string>? ModelStates);

using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PolarGrid.Gateway.Telemetry;

/// <summary>
/// Publishes the gateway's cumulative traffic counters in <c>/health</c>, where the control plane's collector already
/// pulls node state: no second endpoint, no push from the node. Always healthy: traffic is a measurement, not a fault.
/// </summary>
public sealed class TrafficHealthCheck(GatewayTelemetry telemetry) : IHealthCheck
{
    public const string Name = "traffic";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var traffic = telemetry.Traffic.Snapshot();
        var data = new Dictionary<string, object>
        {
            ["started_at"] = traffic.StartedAt,
            ["requests"] = traffic.Requests,
            ["errors"] = traffic.Errors,
            ["ttft_count"] = traffic.TimeToFirstTokenCount,
            ["ttft_sum_ms"] = traffic.TimeToFirstTokenSumMs,
            ["ttft_bucket_bounds_ms"] = traffic.TimeToFirstTokenBoundsMs,
            ["ttft_bucket_counts"] = traffic.TimeToFirstTokenCounts,
        };
        return Task.FromResult(HealthCheckResult.Healthy(
            $"{traffic.Requests} requests, {traffic.Errors} errors since {traffic.StartedAt:O}.", data));
    }
}

using Microsoft.Extensions.Diagnostics.HealthChecks;
using PolarGrid.Staging;

namespace PolarGrid.Sidecar.Health;

/// <summary>
/// The sidecar's own work: how many packages wait, what it is doing and what it did last. Degraded while cycles fail
/// (typically Triton unreachable): packages then wait in the queue, nothing is lost.
/// </summary>
public sealed class SidecarHealthCheck(SidecarState state, StagingLayout layout) : IHealthCheck
{
    public const string Name = "sidecar";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["queueLength"] = layout.QueuedJobs().Count,
            ["currentJob"] = state.CurrentJob ?? "",
            ["failedModels"] = state.FailedModels.Keys.Order(StringComparer.Ordinal).ToArray(),
        };
        if (state.LastJob is { } last)
        {
            data["lastJob"] = last.JobId;
            data["lastJobModel"] = last.Model;
            data["lastJobState"] = last.State.ToString();
            data["lastJobAt"] = last.At;
            if (last.Reason is { Length: > 0 } reason)
            {
                data["lastJobReason"] = reason;
            }
        }
        if (state.LastScan is { } scan)
        {
            data["lastScanAt"] = scan;
        }

        return Task.FromResult(state.Problem is { } problem
            ? HealthCheckResult.Degraded(problem, data: data)
            : HealthCheckResult.Healthy("Processing the staging queue.", data));
    }
}

using Grpc.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PolarGrid.Contracts;

/// <summary>
/// Healthy while the node's Triton is ready. Reports which server answered (its <c>--id</c>), so an operator can see
/// that a gateway talks to its own colo's Triton, but not where it is: <c>/health</c> is anonymous on an
/// internet-facing gateway, and an internal address is no business of the internet's.
/// </summary>
public sealed class TritonHealthCheck(TritonClient triton) : IHealthCheck
{
    public const string Name = "triton";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        try
        {
            var metadata = await triton.GetServerMetadataAsync(cancellationToken);
            data["server"] = metadata.Name;
            data["version"] = metadata.Version;

            var ready = await triton.IsReadyAsync(cancellationToken);
            data["ready"] = ready;
            return ready
                ? HealthCheckResult.Healthy("Triton is ready.", data)
                : HealthCheckResult.Unhealthy("Triton is live but not ready.", data: data);
        }
        catch (RpcException error)
        {
            data["ready"] = false;
            return HealthCheckResult.Unhealthy($"Triton did not answer: {error.Status.StatusCode}.", data: data);
        }
    }
}

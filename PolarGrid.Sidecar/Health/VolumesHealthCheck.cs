using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace PolarGrid.Sidecar.Health;

/// <summary>
/// Unhealthy when either volume is missing or the model repository cannot be written: the sidecar could then
/// never deliver a model, and the orchestrator should see it.
/// </summary>
public sealed class VolumesHealthCheck(IOptions<NodeOptions> options) : IHealthCheck
{
    public const string Name = "volumes";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var staging = options.Value.StagingPath;
        var models = options.Value.ModelRepositoryPath;
        var data = new Dictionary<string, object> { ["staging"] = staging, ["models"] = models };

        if (!Directory.Exists(staging))
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Staging volume '{staging}' does not exist.", data: data));
        }
        if (!Directory.Exists(models))
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Model repository '{models}' does not exist.", data: data));
        }

        try
        {
            var probe = Path.Combine(models, $".health-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Model repository '{models}' is not writable.", error, data));
        }

        return Task.FromResult(HealthCheckResult.Healthy("Both volumes are in place.", data));
    }
}

using Grpc.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PolarGrid.Gateway.Models;

/// <summary>
/// Reports every model's state and kind in <c>/health</c>, where the control plane's collector reads model placement.
/// Always healthy: a model that is loading or failed is a fact about that model, not a reason to route every request
/// away from the node.
/// </summary>
public sealed class ModelsHealthCheck(NodeModels models) : IHealthCheck
{
    public const string Name = "models";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var list = await models.ListAsync(cancellationToken);
            var data = list.ToDictionary(model => model.Id, model => (object)Describe(model));
            return HealthCheckResult.Healthy($"{list.Count(model => model.State == NodeModel.Ready)} of {list.Count} models ready.", data);
        }
        catch (RpcException error)
        {
            // Triton's own check reports the outage; the model list is simply unknown meanwhile.
            return HealthCheckResult.Healthy($"Model states unknown: Triton did not answer ({error.StatusCode}).");
        }
    }

    private static Dictionary<string, string> Describe(NodeModel model)
    {
        var description = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["state"] = model.State,
            ["kind"] = model.Kind.ToWire(),
        };
        if (model.Reason is { } reason)
        {
            description["reason"] = reason;
        }
        return description;
    }
}

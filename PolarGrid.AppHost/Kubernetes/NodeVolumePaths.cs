using PolarGrid.AppHost.Hosting;

namespace PolarGrid.AppHost.Kubernetes;

/// <summary>Where a node's containers expect their volumes: read from the configuration the graph gives them.</summary>
public sealed record NodeVolumePaths(string Staging, string GatewayData, string Models)
{
    public static NodeVolumePaths For(DeployedResource resource)
    {
        string Read(string name, string fallback) =>
            resource.LiteralEnvironment.FirstOrDefault(e => e.Key == name).Value ?? fallback;

        var defaults = NodeVolumes.InContainers;
        return new NodeVolumePaths(
            Read("Node__StagingPath", defaults.Staging),
            Read("Node__DataPath", defaults.GatewayData),
            Read("Node__ModelRepositoryPath", defaults.Models));
    }
}

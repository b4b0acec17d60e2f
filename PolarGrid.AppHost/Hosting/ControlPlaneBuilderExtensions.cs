using Aspire.Hosting.ApplicationModel;
using PolarGrid.AppHost.Fleet;
using PolarGrid.AppHost.Kubernetes;

namespace PolarGrid.AppHost.Hosting;

public static class ControlPlaneBuilderExtensions
{
    /// <summary>
    /// The control plane: stateless replicas over one Postgres database, told about every colo's gateway. It reads
    /// from the nodes; nothing on a node's request path calls it. It signs routing tables with the key in
    /// <paramref name="secrets"/> and guards its admin API with the admin key there.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddControlPlane(
        this IDistributedApplicationBuilder builder, FleetOptions fleet, IResourceBuilder<IResourceWithConnectionString> database,
        IReadOnlyList<(string Name, ColoOptions Options, ColoNode Node)> colos, ControlPlaneSecrets secrets)
    {
        var controlPlane = builder.AddProject<Projects.PolarGrid_ControlPlane>("controlplane", project => project.ExcludeLaunchProfile = true)
            .WithHttpEndpoint(port: fleet.ControlPlanePort, name: "http")
            .WithExternalHttpEndpoints()
            .WithReplicas(fleet.ControlPlaneReplicas)
            .WithReference(database)
            .WaitFor(database)
            .WithEnvironment(context =>
            {
                for (var i = 0; i < colos.Count; i++)
                {
                    var (name, options, node) = colos[i];
                    var prefix = $"ControlPlane__Nodes__{i}__";
                    context.EnvironmentVariables[prefix + "Colo"] = name;
                    context.EnvironmentVariables[prefix + "Region"] = options.Region;
                    context.EnvironmentVariables[prefix + "PublicUrl"] =
                        node.Gateway.Resource.GetEndpoint(ColoNodeBuilderExtensions.GatewayEndpoint);
                    if (options is { Latitude: { } latitude, Longitude: { } longitude })
                    {
                        context.EnvironmentVariables[prefix + "Latitude"] = latitude.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        context.EnvironmentVariables[prefix + "Longitude"] = longitude.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
            })
            .WithHttpHealthCheck("/health", endpointName: "http")
            .WithKubernetesRole(KubernetesRole.ControlPlane);
        return secrets.Configure(controlPlane);
    }
}

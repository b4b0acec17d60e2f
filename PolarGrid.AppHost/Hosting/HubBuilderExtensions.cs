using Aspire.Hosting.ApplicationModel;
using PolarGrid.AppHost.Fleet;

namespace PolarGrid.AppHost.Hosting;

public static class HubBuilderExtensions
{
    /// <summary>
    /// The local Hub (offline development and tests): serves MiniLM and the configured folders in the Hub's URL layout,
    /// with LFS files behind a second, CDN-like port.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddLocalHub(this IDistributedApplicationBuilder builder, HubOptions options, string appHostDirectory) =>
        builder.AddProject<Projects.PolarGrid_HubServer>("hub", project => project.ExcludeLaunchProfile = true)
            .WithHttpEndpoint(name: "http")
            .WithArgs(context =>
            {
                foreach (var (repository, folder) in options.Repositories)
                {
                    context.Args.Add($"--Hub:Repositories:{repository}={Path.GetFullPath(Path.Combine(appHostDirectory, folder))}");
                }
            })
            .WithHttpHealthCheck("/health", endpointName: "http");

    /// <summary>Points a gateway's Hub downloads at <paramref name="hub"/> (HF_ENDPOINT, as huggingface_hub reads it).</summary>
    public static IResourceBuilder<ProjectResource> WithHubEndpoint(this IResourceBuilder<ProjectResource> gateway, IResourceBuilder<ProjectResource> hub) =>
        gateway.WithEnvironment("HF_ENDPOINT", hub.GetEndpoint("http")).WithReferenceRelationship(hub);
}

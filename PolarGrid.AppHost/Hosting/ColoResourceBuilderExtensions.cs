using Aspire.Hosting.ApplicationModel;

namespace PolarGrid.AppHost.Hosting;

public static class ColoResourceBuilderExtensions
{
    public static IResourceBuilder<ColoResource> AddColo(
        this IDistributedApplicationBuilder builder, string name, string city, string region, string localToken) =>
        builder.AddResource(new ColoResource(name, city, region))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Colo",
                // A colo is a grouping, not a process: it is "running" as soon as it exists.
                State = KnownResourceStates.Running,
                Properties =
                [
                    new("colo.city", city),
                    new("colo.region", region),
                    // For the person running the fleet: a bearer token for this colo's gateway, masked until revealed.
                    new("gateway.token", localToken) { IsSensitive = true },
                ],
            })
            .WithIconName("Globe")
            .ExcludeFromManifest();
}

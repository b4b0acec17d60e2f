using Aspire.Hosting.ApplicationModel;

namespace PolarGrid.AppHost.Hosting;

public static class ColoResourceBuilderExtensions
{
    public static IResourceBuilder<ColoResource> AddColo(
        this IDistributedApplicationBuilder builder, string name, string city, string region) =>
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
                ],
            })
            .WithIconName("Globe")
            .ExcludeFromManifest();
}

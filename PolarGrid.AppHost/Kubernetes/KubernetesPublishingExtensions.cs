using Aspire.Hosting;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PolarGrid.AppHost.Kubernetes;

public static class KubernetesPublishingExtensions
{
    public const string StepName = "kubernetes-manifests";

    /// <summary>
    /// Adds the publish step that writes the fleet as a kustomize tree of MicroK8s manifests into the output path
    /// (<c>--operation publish --step publish --output-path aspirate-output</c>, or <c>aspire publish</c>).
    /// </summary>
    public static IDistributedApplicationBuilder AddKubernetesManifests(this IDistributedApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(KubernetesPublishOptions.SectionName).Get<KubernetesPublishOptions>()
            ?? new KubernetesPublishOptions();

        builder.Pipeline.AddStep(StepName, async context =>
        {
            var placement = new Placement(options);
            var reader = new FleetGraphReader(context.Model, context.ExecutionContext, placement, options);
            var resources = await reader.ReadAsync(context.CancellationToken);
            var output = OutputDirectory(builder, context.Services.GetRequiredService<IPipelineOutputService>());

            var tree = new FleetManifests(options).Build(resources);
            var written = await KustomizeTreeWriter.WriteAsync(tree, output, context.CancellationToken);
            context.Logger.LogInformation("Wrote {FileCount} Kubernetes manifest files for {ResourceCount} resources to {OutputPath}.",
                written, resources.Count, output);
        }, requiredBy: WellKnownPipelineSteps.Publish);
        return builder;
    }

    // `dotnet run --project PolarGrid.AppHost` runs from the app host's folder, so a relative --output-path would land
    // inside it; the committed tree is beside the solution, and a relative path is taken from there.
    private static string OutputDirectory(IDistributedApplicationBuilder builder, IPipelineOutputService outputService)
    {
        var requested = builder.Configuration["Pipeline:OutputPath"];
        if (string.IsNullOrEmpty(requested) || Path.IsPathRooted(requested))
        {
            return outputService.GetOutputDirectory();
        }
        var solutionDirectory = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(builder.AppHostDirectory))!;
        return Path.GetFullPath(Path.Combine(solutionDirectory, requested));
    }
}

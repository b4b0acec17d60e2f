using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using PolarGrid.AppHost.Hosting;

namespace PolarGrid.AppHost.Kubernetes;

/// <summary>
/// Reads the app model the way the orchestrator would start it, but in publish mode and from the cluster's point of
/// view: every resource with a <see cref="KubernetesRoleAnnotation"/> becomes a <see cref="DeployedResource"/>.
/// </summary>
public sealed class FleetGraphReader(DistributedApplicationModel model, DistributedApplicationExecutionContext executionContext, Placement placement, KubernetesPublishOptions options)
{
    // Aspire's local plumbing: ports the orchestrator allocates, the dashboard's OTLP endpoint, dev-only switches.
    // On a cluster the emitter sets the listen address and telemetry comes from the cluster's own configuration.
    private static readonly string[] LocalOnlyPrefixes = ["ASPNETCORE_URLS", "HTTP_PORTS", "HTTPS_PORTS", "OTEL_", "ASPIRE_", "DOTNET_LAUNCH_PROFILE", "LOGGING__CONSOLE"];

    public async Task<IReadOnlyList<DeployedResource>> ReadAsync(CancellationToken cancellationToken)
    {
        var deployed = new List<DeployedResource>();
        foreach (var resource in model.Resources)
        {
            if (resource.Annotations.OfType<KubernetesRoleAnnotation>().LastOrDefault() is not { } role)
            {
                continue;
            }
            var resolver = new ManifestValueResolver(placement, resource);
            deployed.Add(new DeployedResource(
                resource,
                role.Role,
                role.Colo,
                ImageOf(resource, role.Role),
                await ReadArgsAsync(resource, resolver, cancellationToken),
                await ReadEnvironmentAsync(resource, resolver, cancellationToken),
                [.. resource.Annotations.OfType<EndpointAnnotation>().OrderBy(e => e.Name, StringComparer.Ordinal)],
                resource.Annotations.OfType<GpuRequestAnnotation>().Sum(g => g.Count),
                resource.Annotations.OfType<VmIsolationAnnotation>().Any()));
        }
        return deployed;
    }

    private string ImageOf(IResource resource, KubernetesRole role)
    {
        if (resource is ContainerResource && resource.TryGetContainerImageName(out var image))
        {
            return image;
        }
        // PolarGrid's own services are published as images by `dotnet publish -t:PublishContainer`.
        return $"polargrid/{Placement.Container(resource)}:{options.ImageTag}";
    }

    private async Task<IReadOnlyList<ManifestValue>> ReadArgsAsync(IResource resource, ManifestValueResolver resolver, CancellationToken cancellationToken)
    {
        var values = new List<object>();
        var context = new CommandLineArgsCallbackContext(values, resource, cancellationToken) { ExecutionContext = executionContext };
        foreach (var callback in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await callback.Callback(context);
        }
        var args = new List<ManifestValue>();
        foreach (var value in values)
        {
            args.Add(await resolver.ResolveAsync(value, cancellationToken));
        }
        return args;
    }

    private async Task<IReadOnlyList<KeyValuePair<string, ManifestValue>>> ReadEnvironmentAsync(
        IResource resource, ManifestValueResolver resolver, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, object>(StringComparer.Ordinal);
        var context = new EnvironmentCallbackContext(executionContext, resource, variables, cancellationToken);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }
        var environment = new List<KeyValuePair<string, ManifestValue>>();
        foreach (var (name, value) in variables.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            if (LocalOnlyPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }
            environment.Add(KeyValuePair.Create(name, await resolver.ResolveAsync(value, cancellationToken)));
        }
        return environment;
    }
}

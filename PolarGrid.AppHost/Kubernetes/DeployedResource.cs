using Aspire.Hosting.ApplicationModel;

namespace PolarGrid.AppHost.Kubernetes;

/// <summary>One resource of the app model as a cluster will run it: image, arguments, environment and ports, resolved.</summary>
public sealed record DeployedResource(
    IResource Resource,
    KubernetesRole Role,
    string? Colo,
    string Image,
    IReadOnlyList<ManifestValue> Args,
    IReadOnlyList<KeyValuePair<string, ManifestValue>> Environment,
    IReadOnlyList<EndpointAnnotation> Endpoints,
    int GpuCount,
    bool VmIsolated)
{
    public string Name => Resource.Name;

    public IEnumerable<KeyValuePair<string, string>> LiteralEnvironment =>
        Environment.Where(e => e.Value.IsLiteral).Select(e => KeyValuePair.Create(e.Key, e.Value.Text));

    public IEnumerable<KeyValuePair<string, ManifestValue>> SecretEnvironment => Environment.Where(e => !e.Value.IsLiteral);

    /// <summary>The keys of its workload's Secret that its environment reads.</summary>
    public IEnumerable<string> SecretKeys =>
        SecretEnvironment.SelectMany(e => e.Value.Secrets).Select(s => s.Key).Distinct().Order(StringComparer.Ordinal);
}

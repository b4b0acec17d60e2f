namespace PolarGrid.AppHost.Kubernetes;

/// <summary>How the fleet is laid out on real clusters. Bound from <c>PolarGrid:Kubernetes</c>.</summary>
public sealed class KubernetesPublishOptions
{
    public const string SectionName = "PolarGrid:Kubernetes";

    /// <summary>The tag of PolarGrid's own images (<c>polargrid/gateway</c>, …); the deploy scripts can retag.</summary>
    public string ImageTag { get; set; } = "1.0.0";

    /// <summary>Gateways are published as <c>&lt;colo&gt;.&lt;PublicDomain&gt;</c> unless a colo names its own host.</summary>
    public string PublicDomain { get; set; } = "polargrid.example";

    /// <summary>Per-colo public host overrides: colo → host name.</summary>
    public Dictionary<string, string> GatewayHosts { get; set; } = new(StringComparer.Ordinal);

    public string ControlPlaneHost { get; set; } = "control.polargrid.example";

    /// <summary>MicroK8s' ingress add-on registers the <c>public</c> class.</summary>
    public string IngressClassName { get; set; } = "public";

    /// <summary>Where the ingress controller runs (MicroK8s' add-on: <c>ingress</c>): the only source the gateway admits.</summary>
    public string IngressControllerNamespace { get; set; } = "ingress";

    /// <summary>
    /// The node folder behind the staging volume. A claim cannot cross namespaces, the gateway and Triton live in two,
    /// and a colo is one bare-metal node: a hostPath is the volume both pods can mount.
    /// </summary>
    public string StagingHostPath { get; set; } = "/var/lib/polargrid/staging";

    public string ModelRepositorySize { get; set; } = "200Gi";

    public string GatewayDataSize { get; set; } = "20Gi";

    public string DatabaseSize { get; set; } = "20Gi";

    /// <summary>Requests and limits per container (<c>gateway</c>, <c>triton</c>, <c>sidecar</c>, <c>controlplane</c>, <c>postgres</c>).</summary>
    public Dictionary<string, ContainerResources> Resources { get; set; } = new(StringComparer.Ordinal)
    {
        ["gateway"] = new() { CpuRequest = "500m", MemoryRequest = "512Mi", CpuLimit = "2", MemoryLimit = "1Gi" },
        ["triton"] = new() { CpuRequest = "4", MemoryRequest = "16Gi", CpuLimit = "16", MemoryLimit = "64Gi" },
        ["sidecar"] = new() { CpuRequest = "100m", MemoryRequest = "128Mi", CpuLimit = "1", MemoryLimit = "512Mi" },
        ["controlplane"] = new() { CpuRequest = "250m", MemoryRequest = "256Mi", CpuLimit = "1", MemoryLimit = "512Mi" },
        ["postgres"] = new() { CpuRequest = "500m", MemoryRequest = "512Mi", CpuLimit = "2", MemoryLimit = "2Gi" },
    };

    public string GatewayHost(string colo) =>
        GatewayHosts.TryGetValue(colo, out var host) ? host : $"{colo}.{PublicDomain}";
}

public sealed class ContainerResources
{
    public string CpuRequest { get; set; } = "100m";
    public string MemoryRequest { get; set; } = "128Mi";
    public string CpuLimit { get; set; } = "1";
    public string MemoryLimit { get; set; } = "512Mi";
}

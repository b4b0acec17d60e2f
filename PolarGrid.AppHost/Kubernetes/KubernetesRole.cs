using Aspire.Hosting.ApplicationModel;

namespace PolarGrid.AppHost.Kubernetes;

/// <summary>What a resource is on a deployed node; the manifest emitter lays each role out in its own way.</summary>
public enum KubernetesRole
{
    /// <summary>The internet-facing gateway: its own namespace, a VM-isolated pod, TLS, an Ingress.</summary>
    Gateway,

    /// <summary>Triton: the GPU pod in the inference namespace, reachable only from the gateway.</summary>
    Triton,

    /// <summary>The sidecar: a second container in Triton's pod, sharing its model repository.</summary>
    Sidecar,

    /// <summary>The control plane's stateless replicas.</summary>
    ControlPlane,

    /// <summary>The control plane's Postgres.</summary>
    Database,
}

/// <summary>Marks a resource with its <see cref="KubernetesRole"/>; resources without one are local-only.</summary>
public sealed record KubernetesRoleAnnotation(KubernetesRole Role, string? Colo) : IResourceAnnotation;

/// <summary>The resource must run in a VM-isolated pod (Kata Containers) because it faces the internet.</summary>
public sealed record VmIsolationAnnotation : IResourceAnnotation;

/// <summary>
/// Where a secret parameter's value lives on a cluster: the key of its workload's Secret, which kustomize generates
/// from an ignored file of the same name under the overlay's <c>secrets/</c> folder.
/// </summary>
public sealed record KubernetesSecretKeyAnnotation(string Key) : IResourceAnnotation;

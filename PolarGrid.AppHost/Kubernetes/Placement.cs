using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace PolarGrid.AppHost.Kubernetes;

/// <summary>
/// Where each deployed resource lives on a cluster: its namespace, the pod it shares, the Service that fronts it and
/// the ports it listens on. The one place that knows the fleet's naming, so manifests and references agree.
/// </summary>
public sealed class Placement(KubernetesPublishOptions options)
{
    public const string ControlNamespace = "polargrid-control";
    public const int GatewayPort = 8443;
    public const int DefaultHttpPort = 8080;

    public static string GatewayNamespace(string colo) => $"polargrid-{colo}-gateway";

    public static string TritonNamespace(string colo) => $"polargrid-{colo}-triton";

    public static KubernetesRoleAnnotation RoleOf(IResource resource) =>
        resource.Annotations.OfType<KubernetesRoleAnnotation>().LastOrDefault()
        ?? throw new InvalidOperationException($"Resource '{resource.Name}' has no Kubernetes role.");

    public string Namespace(IResource resource)
    {
        var role = RoleOf(resource);
        return role.Role switch
        {
            KubernetesRole.Gateway => GatewayNamespace(Colo(resource, role)),
            KubernetesRole.Triton or KubernetesRole.Sidecar => TritonNamespace(Colo(resource, role)),
            _ => ControlNamespace,
        };
    }

    /// <summary>The pod (and Deployment) a resource runs in: the sidecar rides in Triton's pod.</summary>
    public static string Workload(IResource resource) => RoleOf(resource).Role switch
    {
        KubernetesRole.Gateway => "gateway",
        KubernetesRole.Triton or KubernetesRole.Sidecar => "triton",
        KubernetesRole.ControlPlane => "controlplane",
        KubernetesRole.Database => "postgres",
        var role => throw new InvalidOperationException($"No workload for {role}."),
    };

    /// <summary>The container's name inside its pod.</summary>
    public static string Container(IResource resource) => RoleOf(resource).Role switch
    {
        KubernetesRole.Sidecar => "sidecar",
        _ => Workload(resource),
    };

    /// <summary>The port the container listens on for <paramref name="endpoint"/>.</summary>
    public static int ContainerPort(IResource resource, EndpointAnnotation endpoint)
    {
        if (RoleOf(resource).Role == KubernetesRole.Gateway)
        {
            return GatewayPort;
        }
        return endpoint.TargetPort ?? DefaultHttpPort;
    }

    public static string Scheme(IResource resource, EndpointAnnotation endpoint) =>
        RoleOf(resource).Role == KubernetesRole.Gateway ? "https" : endpoint.UriScheme;

    /// <summary>The public host of a colo's gateway (its Ingress) or of the control plane.</summary>
    public string PublicHost(IResource resource)
    {
        var role = RoleOf(resource);
        return role.Role switch
        {
            KubernetesRole.Gateway => options.GatewayHost(Colo(resource, role)),
            KubernetesRole.ControlPlane => options.ControlPlaneHost,
            _ => throw new InvalidOperationException($"'{resource.Name}' has no public host."),
        };
    }

    /// <summary>
    /// How <paramref name="from"/> reaches <paramref name="endpoint"/>: loopback inside one pod, the Service's short
    /// name inside one namespace, its cluster DNS name across namespaces, and the public URL for a gateway seen from
    /// outside its colo (a gateway is reached only through its Ingress).
    /// </summary>
    public (string Scheme, string Host, int Port) Address(IResource from, EndpointReference endpoint)
    {
        var target = endpoint.Resource;
        var annotation = target.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == endpoint.EndpointName);
        var targetRole = RoleOf(target);
        var fromRole = RoleOf(from);
        var port = ContainerPort(target, annotation);
        var scheme = Scheme(target, annotation);

        if (targetRole.Role == KubernetesRole.Gateway && !(fromRole.Colo == targetRole.Colo && Namespace(from) == Namespace(target)))
        {
            return ("https", PublicHost(target), 443);
        }
        if (Namespace(from) == Namespace(target) && Workload(from) == Workload(target))
        {
            return (scheme, "127.0.0.1", port);
        }
        if (Namespace(from) == Namespace(target))
        {
            return (scheme, Workload(target), port);
        }
        return (scheme, $"{Workload(target)}.{Namespace(target)}.svc.cluster.local", port);
    }

    public string Url(IResource from, EndpointReference endpoint)
    {
        var (scheme, host, port) = Address(from, endpoint);
        return (scheme, port) is ("https", 443) or ("http", 80)
            ? $"{scheme}://{host}"
            : $"{scheme}://{host}:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    private static string Colo(IResource resource, KubernetesRoleAnnotation role) =>
        role.Colo ?? throw new InvalidOperationException($"'{resource.Name}' is a {role.Role} but belongs to no colo.");
}

using k8s.Models;

namespace PolarGrid.AppHost.Kubernetes;

/// <summary>The object shapes every workload shares, labelled and selected the same way.</summary>
public static class KubernetesObjects
{
    /// <summary>A pod that runs as <paramref name="user"/>, with no API token and no service-link variables.</summary>
    public static V1PodSpec Pod(long user, IList<V1Container> containers, IList<V1Volume> volumes, string? runtimeClassName = null) => new()
    {
        RuntimeClassName = runtimeClassName,
        AutomountServiceAccountToken = false,
        EnableServiceLinks = false,
        SecurityContext = Conventions.PodSecurity(user),
        Containers = containers,
        Volumes = volumes,
    };

    public static V1PodTemplateSpec Template(string name, string component, V1PodSpec pod) =>
        new() { Metadata = new V1ObjectMeta { Labels = Conventions.Labels(name, component) }, Spec = pod };

    /// <summary>
    /// A Deployment; <paramref name="recreate"/> for pods that hold a ReadWriteOnce volume or a node's GPU, where an
    /// old and a new pod must never run side by side.
    /// </summary>
    public static V1Deployment Deployment(string name, string component, int replicas, bool recreate, V1PodSpec pod) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = Conventions.Metadata(name, component),
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Strategy = recreate ? new V1DeploymentStrategy { Type = "Recreate" } : null,
            Selector = new V1LabelSelector { MatchLabels = Conventions.Selector(name) },
            Template = Template(name, component, pod),
        },
    };

    /// <summary>A ClusterIP Service: reachable inside the cluster only; the outside comes in through an Ingress.</summary>
    public static V1Service Service(string name, string component, string portName, int port, string targetPort, string? appProtocol = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Conventions.Metadata(name, component),
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Selector = Conventions.Selector(name),
            Ports = [new V1ServicePort { Name = portName, Port = port, TargetPort = targetPort, Protocol = "TCP", AppProtocol = appProtocol }],
        },
    };

    /// <summary>An Ingress with TLS for one host, routing everything to <paramref name="name"/>'s Service port.</summary>
    public static V1Ingress Ingress(string name, string component, string ingressClassName, string host, string tlsSecretName,
        string servicePortName, IDictionary<string, string>? annotations = null) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "Ingress",
        Metadata = Conventions.Metadata(name, component, annotations),
        Spec = new V1IngressSpec
        {
            IngressClassName = ingressClassName,
            Tls = [new V1IngressTLS { Hosts = [host], SecretName = tlsSecretName }],
            Rules =
            [
                new V1IngressRule
                {
                    Host = host,
                    Http = new V1HTTPIngressRuleValue
                    {
                        Paths =
                        [
                            new V1HTTPIngressPath
                            {
                                Path = "/",
                                PathType = "Prefix",
                                Backend = new V1IngressBackend
                                {
                                    Service = new V1IngressServiceBackend { Name = name, Port = new V1ServiceBackendPort { Name = servicePortName } },
                                },
                            },
                        ],
                    },
                },
            ],
        },
    };

    public static V1Volume HostPath(string name, string path) =>
        new() { Name = name, HostPath = new V1HostPathVolumeSource { Path = path, Type = "Directory" } };

    public static V1Volume Claim(string name, string claimName) =>
        new() { Name = name, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claimName } };

    public static V1EnvFromSource EnvFrom(string configMapName) =>
        new() { ConfigMapRef = new V1ConfigMapEnvSource { Name = configMapName } };
}

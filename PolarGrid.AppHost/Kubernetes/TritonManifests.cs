using k8s.Models;

namespace PolarGrid.AppHost.Kubernetes;

/// <summary>
/// A colo's inference side: Triton on the GPU with the sidecar beside it in one pod (they share the model repository),
/// in a namespace nothing but the gateway can reach, through a ClusterIP Service on the gRPC port only.
/// </summary>
public sealed class TritonManifests(KubernetesPublishOptions options)
{
    public const string Name = "triton";
    public const string Component = "inference";
    public const string SidecarEnvConfigMap = "sidecar-env";
    public const string GrpcPort = "grpc";

    public IEnumerable<(string File, object Object)> Base(DeployedResource triton, DeployedResource sidecar)
    {
        yield return ("deployment.yaml", Deployment(triton, sidecar));
        yield return ("service.yaml", Service(triton));
        yield return ("persistentvolumeclaim.yaml", Conventions.Claim("model-repository", Component, options.ModelRepositorySize));
        yield return ("networkpolicy-default-deny.yaml", NetworkPolicies.DefaultDeny());
        yield return ("networkpolicy-dns-egress.yaml", NetworkPolicies.DnsEgress(Name));
    }

    /// <summary>What a colo adds: its namespace, Triton's arguments, the sidecar's environment, and who may call Triton.</summary>
    public Kustomization Overlay(DeployedResource triton, DeployedResource sidecar, string baseFolder, string gatewayPolicyFile)
    {
        var colo = triton.Colo!;
        var kustomization = new Kustomization { Namespace = Placement.TritonNamespace(colo) };
        kustomization.Resources.Add(baseFolder);
        kustomization.Resources.Add(gatewayPolicyFile);
        kustomization.AddColoLabels(colo);
        kustomization.ConfigMaps.Add((SidecarEnvConfigMap, [.. sidecar.LiteralEnvironment.OrderBy(e => e.Key, StringComparer.Ordinal)]));
        // Triton's command line names the colo (--id), so it is the overlay's.
        kustomization.Patches.Add(("Deployment", Name,
        [
            Kustomization.Operation("add", "/spec/template/spec/containers/0/args", triton.Args.Select(a => a.Text).ToList()),
        ]));
        return kustomization;
    }

    public static NetworkPolicies.GatewayAccess GatewayAccess(DeployedResource triton) =>
        new(Placement.GatewayNamespace(triton.Colo!), GatewayManifests.Name, Name, GrpcContainerPort(triton));

    private static int GrpcContainerPort(DeployedResource triton) =>
        Placement.ContainerPort(triton.Resource, triton.Endpoints.Single(e => e.Name == GrpcPort));

    private V1Deployment Deployment(DeployedResource triton, DeployedResource sidecar)
    {
        if (triton.Args.Any(a => !a.IsLiteral) || sidecar.SecretEnvironment.Any())
        {
            throw new InvalidOperationException("Triton's pod takes no secrets: nothing in it may need one.");
        }
        var volumes = NodeVolumePaths.For(sidecar);
        var sidecarPort = Placement.ContainerPort(sidecar.Resource, sidecar.Endpoints.Single());
        var server = new V1Container
        {
            Name = Name,
            Image = triton.Image,
            Ports = [.. triton.Endpoints.Select(e => new V1ContainerPort { Name = e.Name, ContainerPort = Placement.ContainerPort(triton.Resource, e), Protocol = "TCP" })],
            Resources = Conventions.Resources(options.Resources[Name], triton.GpuCount),
            // Loading a large model can take minutes; liveness waits for the first start.
            StartupProbe = Conventions.HttpProbe("/v2/health/live", "http", period: 5, failures: 120),
            LivenessProbe = Conventions.HttpProbe("/v2/health/live", "http"),
            ReadinessProbe = Conventions.HttpProbe("/v2/health/ready", "http", period: 5),
            // Triton's Python and vLLM backends write caches and compiled kernels under its home.
            SecurityContext = Conventions.ContainerSecurity(readOnlyRootFilesystem: false),
            VolumeMounts =
            [
                new V1VolumeMount { Name = "models", MountPath = volumes.Models, ReadOnlyProperty = true },
                new V1VolumeMount { Name = "shm", MountPath = "/dev/shm" },
            ],
        };
        var sidecarContainer = new V1Container
        {
            Name = Placement.Container(sidecar.Resource),
            Image = sidecar.Image,
            Ports = [new V1ContainerPort { Name = "sidecar-http", ContainerPort = sidecarPort, Protocol = "TCP" }],
            EnvFrom = [KubernetesObjects.EnvFrom(SidecarEnvConfigMap)],
            Env = [new V1EnvVar { Name = "ASPNETCORE_URLS", Value = $"http://+:{sidecarPort}" }, Conventions.ScratchHome()],
            Resources = Conventions.Resources(options.Resources["sidecar"]),
            LivenessProbe = Conventions.HttpProbe("/alive", "sidecar-http"),
            ReadinessProbe = Conventions.HttpProbe("/health", "sidecar-http"),
            // The .NET images' user; the pod's group (Triton's) owns the repository, so Triton reads what it writes.
            SecurityContext = Conventions.ContainerSecurity(user: Conventions.DotnetAppUser),
            VolumeMounts =
            [
                new V1VolumeMount { Name = "models", MountPath = volumes.Models },
                new V1VolumeMount { Name = "staging", MountPath = volumes.Staging },
                new V1VolumeMount { Name = "tmp", MountPath = "/tmp" },
            ],
        };
        var pod = KubernetesObjects.Pod(Conventions.TritonUser, [server, sidecarContainer],
        [
            KubernetesObjects.Claim("models", "model-repository"),
            KubernetesObjects.HostPath("staging", options.StagingHostPath),
            // Triton's backends share tensors through /dev/shm; the container default (64 MB) is too small.
            Conventions.EmptyDir("shm", medium: "Memory", sizeLimit: "1Gi"),
            Conventions.EmptyDir("tmp"),
        ], runtimeClassName: triton.GpuCount > 0 ? "nvidia" : null);
        // The model repository is one ReadWriteOnce volume and the GPU is the node's: never two pods at once.
        return KubernetesObjects.Deployment(Name, Component, replicas: 1, recreate: true, pod);
    }

    // Inside the cluster only, and only the port the gateway calls.
    private static V1Service Service(DeployedResource triton) =>
        KubernetesObjects.Service(Name, Component, GrpcPort, GrpcContainerPort(triton), GrpcPort, appProtocol: "kubernetes.io/h2c");
}

using k8s.Models;

namespace PolarGrid.AppHost.Kubernetes;

/// <summary>
/// A colo's gateway: the only internet-facing part of a node, in its own namespace, in a VM (Kata), with no GPU. It
/// terminates TLS itself (the Ingress re-encrypts to it) and validates JWTs with keys from its Secret.
/// </summary>
public sealed class GatewayManifests(KubernetesPublishOptions options)
{
    public const string Name = "gateway";
    public const string Component = "gateway";
    public const string EnvConfigMap = "gateway-env";
    public const string SecretName = "gateway-secrets";
    public const string TlsSecretName = "gateway-tls";
    public const string TlsDirectory = "/etc/polargrid/tls";

    /// <summary>Stands in for the colo's host in the base; each overlay patches its own in.</summary>
    public const string PlaceholderHost = "gateway.polargrid.invalid";

    public IEnumerable<(string File, object Object)> Base(DeployedResource gateway)
    {
        yield return ("deployment.yaml", Deployment(gateway));
        yield return ("service.yaml", Service());
        yield return ("ingress.yaml", Ingress());
        yield return ("persistentvolumeclaim.yaml", Conventions.Claim("gateway-data", Component, options.GatewayDataSize));
        // The internet-facing namespace is closed too: in from the ingress controller, out to DNS, HTTPS and its Triton.
        yield return ("networkpolicy-default-deny.yaml", NetworkPolicies.DefaultDeny());
        yield return ("networkpolicy-ingress-controller.yaml", NetworkPolicies.IngressControllerToGateway(options.IngressControllerNamespace, Name, "https"));
        yield return ("networkpolicy-dns-egress.yaml", NetworkPolicies.DnsEgress(Name));
        yield return ("networkpolicy-https-egress.yaml", NetworkPolicies.HttpsEgress(Name));
    }

    /// <summary>What a colo adds: its namespace, environment, secrets, public host.</summary>
    public Kustomization Overlay(DeployedResource gateway, string baseFolder, string tritonPolicyFile)
    {
        var colo = gateway.Colo!;
        var kustomization = new Kustomization { Namespace = Placement.GatewayNamespace(colo) };
        kustomization.Resources.Add(baseFolder);
        kustomization.Resources.Add(tritonPolicyFile);
        kustomization.AddColoLabels(colo);
        kustomization.ConfigMaps.Add((EnvConfigMap, [.. Environment(gateway)]));
        kustomization.Secrets.Add((SecretName, null, [.. gateway.SecretKeys.Select(key => $"secrets/{key}")]));
        kustomization.Secrets.Add((TlsSecretName, "kubernetes.io/tls", ["tls.crt=secrets/tls.crt", "tls.key=secrets/tls.key"]));
        var host = options.GatewayHost(colo);
        kustomization.Patches.Add(("Ingress", Name,
        [
            Kustomization.Operation("replace", "/spec/rules/0/host", host),
            Kustomization.Operation("replace", "/spec/tls/0/hosts/0", host),
        ]));
        return kustomization;
    }

    /// <summary>The gateway's literal environment, plus where it listens and finds its certificate on the cluster.</summary>
    private static IEnumerable<KeyValuePair<string, string>> Environment(DeployedResource gateway) =>
        gateway.LiteralEnvironment
            .Append(KeyValuePair.Create("ASPNETCORE_URLS", $"https://+:{Placement.GatewayPort}"))
            .Append(KeyValuePair.Create("Tls__CertificatePath", $"{TlsDirectory}/tls.crt"))
            .Append(KeyValuePair.Create("Tls__KeyPath", $"{TlsDirectory}/tls.key"))
            .OrderBy(e => e.Key, StringComparer.Ordinal);

    private V1Deployment Deployment(DeployedResource gateway)
    {
        var volumes = NodeVolumePaths.For(gateway);
        var container = new V1Container
        {
            Name = Name,
            Image = gateway.Image,
            Ports = [new V1ContainerPort { Name = "https", ContainerPort = Placement.GatewayPort, Protocol = "TCP" }],
            EnvFrom = [KubernetesObjects.EnvFrom(EnvConfigMap)],
            Env =
            [
                // The .NET base images set ASPNETCORE_HTTP_PORTS=8080; the gateway refuses plain HTTP, so it must not inherit it.
                new V1EnvVar { Name = "ASPNETCORE_HTTP_PORTS", Value = "" },
                Conventions.ScratchHome(),
                .. Conventions.SecretEnvironment(SecretName, gateway.SecretEnvironment),
            ],
            Resources = Conventions.Resources(options.Resources[Name]),
            StartupProbe = Conventions.HttpProbe("/alive", "https", "HTTPS", period: 2, failures: 30),
            LivenessProbe = Conventions.HttpProbe("/alive", "https", "HTTPS"),
            // Ready means this node can serve: its Triton answers (the gateway's /health says so).
            ReadinessProbe = Conventions.HttpProbe("/health", "https", "HTTPS", period: 5),
            SecurityContext = Conventions.ContainerSecurity(),
            VolumeMounts =
            [
                new V1VolumeMount { Name = "tls", MountPath = TlsDirectory, ReadOnlyProperty = true },
                new V1VolumeMount { Name = "staging", MountPath = volumes.Staging },
                new V1VolumeMount { Name = "data", MountPath = volumes.GatewayData },
                new V1VolumeMount { Name = "tmp", MountPath = "/tmp" },
            ],
        };
        var pod = KubernetesObjects.Pod(Conventions.DotnetAppUser, [container],
        [
            new V1Volume { Name = "tls", Secret = new V1SecretVolumeSource { SecretName = TlsSecretName, DefaultMode = 0x100 } },
            KubernetesObjects.HostPath("staging", options.StagingHostPath),
            KubernetesObjects.Claim("data", "gateway-data"),
            Conventions.EmptyDir("tmp"),
        ], runtimeClassName: gateway.VmIsolated ? "kata" : null);
        // One gateway per colo: its load jobs and the staging volume belong to this node.
        return KubernetesObjects.Deployment(Name, Component, replicas: 1, recreate: true, pod);
    }

    private static V1Service Service() => KubernetesObjects.Service(Name, Component, "https", 443, "https");

    private V1Ingress Ingress() => KubernetesObjects.Ingress(Name, Component, options.IngressClassName, PlaceholderHost, TlsSecretName, "https",
        new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            // The gateway terminates TLS too: the hop from the ingress controller is encrypted as well.
            ["nginx.ingress.kubernetes.io/backend-protocol"] = "HTTPS",
            // Server-sent events must reach the client token by token, and generations can run for minutes.
            ["nginx.ingress.kubernetes.io/proxy-buffering"] = "off",
            ["nginx.ingress.kubernetes.io/proxy-read-timeout"] = "3600",
            ["nginx.ingress.kubernetes.io/proxy-body-size"] = "16m",
        });
}

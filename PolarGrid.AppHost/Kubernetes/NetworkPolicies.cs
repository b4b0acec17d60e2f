using k8s.Models;

namespace PolarGrid.AppHost.Kubernetes;

/// <summary>The hard boundary around Triton: deny everything, then admit exactly what a node needs.</summary>
public static class NetworkPolicies
{
    /// <summary>Who may call Triton: the gateway pods of one namespace, on one port.</summary>
    public sealed record GatewayAccess(string GatewayNamespace, string GatewayName, string TritonName, int Port);

    public static V1NetworkPolicy DefaultDeny() => Policy("default-deny", new V1NetworkPolicySpec
    {
        PodSelector = new V1LabelSelector(),
        PolicyTypes = ["Ingress", "Egress"],
    });

    /// <summary>Name lookups are the only traffic Triton starts: its models come from the volume, not the network.</summary>
    public static V1NetworkPolicy DnsEgress(string podName) => Policy("allow-dns-egress", new V1NetworkPolicySpec
    {
        PodSelector = new V1LabelSelector { MatchLabels = Conventions.Selector(podName) },
        PolicyTypes = ["Egress"],
        Egress =
        [
            new V1NetworkPolicyEgressRule
            {
                To =
                [
                    new V1NetworkPolicyPeer
                    {
                        NamespaceSelector = NamespaceNamed("kube-system"),
                        PodSelector = new V1LabelSelector { MatchLabels = new SortedDictionary<string, string> { ["k8s-app"] = "kube-dns" } },
                    },
                ],
                Ports =
                [
                    new V1NetworkPolicyPort { Protocol = "UDP", Port = 53 },
                    new V1NetworkPolicyPort { Protocol = "TCP", Port = 53 },
                ],
            },
        ],
    });

    /// <summary>Admits the gateway's pods (by namespace and pod) to Triton's gRPC port, and nothing else.</summary>
    public static V1NetworkPolicy GatewayToTriton(GatewayAccess access) => Policy("allow-gateway-grpc", new V1NetworkPolicySpec
    {
        PodSelector = new V1LabelSelector { MatchLabels = Conventions.Selector(access.TritonName) },
        PolicyTypes = ["Ingress"],
        Ingress =
        [
            new V1NetworkPolicyIngressRule
            {
                FromProperty = [PodsIn(access.GatewayNamespace, access.GatewayName)],
                Ports = [new V1NetworkPolicyPort { Protocol = "TCP", Port = access.Port }],
            },
        ],
    });

    /// <summary>The gateway answers the ingress controller only, on its HTTPS port (kubelet probes come from the node).</summary>
    public static V1NetworkPolicy IngressControllerToGateway(string ingressNamespace, string gatewayName, string portName) => Policy("allow-ingress-controller", new V1NetworkPolicySpec
    {
        PodSelector = new V1LabelSelector { MatchLabels = Conventions.Selector(gatewayName) },
        PolicyTypes = ["Ingress"],
        Ingress =
        [
            new V1NetworkPolicyIngressRule
            {
                FromProperty = [new V1NetworkPolicyPeer { NamespaceSelector = NamespaceNamed(ingressNamespace) }],
                Ports = [new V1NetworkPolicyPort { Protocol = "TCP", Port = portName }],
            },
        ],
    });

    /// <summary>
    /// What the gateway may call besides name lookups: HTTPS anywhere (the Hugging Face Hub and its CDN); its own
    /// Triton is admitted by <see cref="GatewayToTritonEgress"/> in the colo's overlay.
    /// </summary>
    public static V1NetworkPolicy HttpsEgress(string podName) => Policy("allow-https-egress", new V1NetworkPolicySpec
    {
        PodSelector = new V1LabelSelector { MatchLabels = Conventions.Selector(podName) },
        PolicyTypes = ["Egress"],
        Egress = [new V1NetworkPolicyEgressRule { Ports = [new V1NetworkPolicyPort { Protocol = "TCP", Port = 443 }] }],
    });

    /// <summary>The gateway's way out to its own colo's Triton, on the gRPC port only.</summary>
    public static V1NetworkPolicy GatewayToTritonEgress(GatewayAccess access, string tritonNamespace) => Policy("allow-triton-egress", new V1NetworkPolicySpec
    {
        PodSelector = new V1LabelSelector { MatchLabels = Conventions.Selector(access.GatewayName) },
        PolicyTypes = ["Egress"],
        Egress =
        [
            new V1NetworkPolicyEgressRule
            {
                To = [PodsIn(tritonNamespace, access.TritonName)],
                Ports = [new V1NetworkPolicyPort { Protocol = "TCP", Port = access.Port }],
            },
        ],
    });

    /// <summary>Postgres answers the control plane's pods only.</summary>
    public static V1NetworkPolicy DatabaseAccess(string databaseName, string clientName, int port) => Policy("allow-controlplane-postgres", new V1NetworkPolicySpec
    {
        PodSelector = new V1LabelSelector { MatchLabels = Conventions.Selector(databaseName) },
        PolicyTypes = ["Ingress"],
        Ingress =
        [
            new V1NetworkPolicyIngressRule
            {
                FromProperty = [new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = Conventions.Selector(clientName) } }],
                Ports = [new V1NetworkPolicyPort { Protocol = "TCP", Port = port }],
            },
        ],
    });

    /// <summary>Pods named <paramref name="podName"/> in the namespace <paramref name="namespaceName"/>, and no others.</summary>
    private static V1NetworkPolicyPeer PodsIn(string namespaceName, string podName) => new()
    {
        NamespaceSelector = NamespaceNamed(namespaceName),
        PodSelector = new V1LabelSelector { MatchLabels = Conventions.Selector(podName) },
    };

    // Kubernetes labels every namespace with its own name; selecting on it needs no label of ours.
    private static V1LabelSelector NamespaceNamed(string name) =>
        new() { MatchLabels = new SortedDictionary<string, string> { ["kubernetes.io/metadata.name"] = name } };

    private static V1NetworkPolicy Policy(string name, V1NetworkPolicySpec spec) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = new V1ObjectMeta { Name = name, Labels = new SortedDictionary<string, string> { ["app.kubernetes.io/part-of"] = Conventions.PartOf } },
        Spec = spec,
    };
}

using k8s;
using k8s.Models;

namespace PolarGrid.AppHost.Kubernetes;

/// <summary>
/// Lays the deployed graph out as a kustomize tree: <c>base/&lt;component&gt;</c> for what every colo shares,
/// <c>colos/&lt;colo&gt;</c> (the gateway's and Triton's namespaces, environment, secrets, host, policies) per colo,
/// <c>controlplane</c> for the control plane and its Postgres, and a top-level kustomization over all of them.
/// </summary>
public sealed class FleetManifests(KubernetesPublishOptions options)
{
    public ManifestTree Build(IReadOnlyList<DeployedResource> resources)
    {
        var tree = new ManifestTree();
        var gateways = new GatewayManifests(options);
        var tritons = new TritonManifests(options);
        var controlPlanes = new ControlPlaneManifests(options);

        var colos = resources.Where(r => r.Role == KubernetesRole.Gateway).Select(r => r.Colo!).Distinct().Order(StringComparer.Ordinal).ToList();
        if (colos.Count == 0)
        {
            throw new InvalidOperationException("The graph has no colo to deploy.");
        }
        DeployedResource Find(KubernetesRole role, string? colo) =>
            resources.SingleOrDefault(r => r.Role == role && r.Colo == colo)
            ?? throw new InvalidOperationException($"The graph has no {role}{(colo is null ? "" : $" in colo {colo}")}.");

        // Bases: every colo must give the same shared part, or it would not be a base.
        AddFolder(tree, "base/gateway", SameForEveryColo(colos, c => gateways.Base(Find(KubernetesRole.Gateway, c))));
        AddFolder(tree, "base/triton", SameForEveryColo(colos, c => tritons.Base(Find(KubernetesRole.Triton, c), Find(KubernetesRole.Sidecar, c))));

        foreach (var colo in colos)
        {
            var gateway = Find(KubernetesRole.Gateway, colo);
            var triton = Find(KubernetesRole.Triton, colo);
            var folder = $"colos/{colo}";
            var overlay = new Kustomization();
            overlay.Resources.AddRange(["namespace-gateway.yaml", "namespace-triton.yaml", "gateway", "triton"]);
            tree.Add($"{folder}/kustomization.yaml", overlay);
            tree.Add($"{folder}/namespace-gateway.yaml", Namespace(Placement.GatewayNamespace(colo), colo));
            tree.Add($"{folder}/namespace-triton.yaml", Namespace(Placement.TritonNamespace(colo), colo));
            var access = TritonManifests.GatewayAccess(triton);
            tree.Add($"{folder}/gateway/networkpolicy-allow-triton.yaml", NetworkPolicies.GatewayToTritonEgress(access, Placement.TritonNamespace(colo)));
            tree.Add($"{folder}/gateway/kustomization.yaml", gateways.Overlay(gateway, "../../../base/gateway", "networkpolicy-allow-triton.yaml"));
            tree.Add($"{folder}/triton/networkpolicy-allow-gateway.yaml", NetworkPolicies.GatewayToTriton(access));
            tree.Add($"{folder}/triton/kustomization.yaml",
                tritons.Overlay(triton, Find(KubernetesRole.Sidecar, colo), "../../../base/triton", "networkpolicy-allow-gateway.yaml"));
        }

        var controlPlane = Find(KubernetesRole.ControlPlane, null);
        var database = Find(KubernetesRole.Database, null);
        AddFolder(tree, "base/controlplane", controlPlanes.ControlPlaneBase(controlPlane));
        AddFolder(tree, "base/postgres", controlPlanes.DatabaseBase(database));
        tree.Add("controlplane/kustomization.yaml", controlPlanes.Overlay(controlPlane, database, "../base/controlplane", "../base/postgres"));
        tree.Add("controlplane/namespace.yaml", Namespace(Placement.ControlNamespace, colo: null));

        // Everything in one cluster (a lab, or a single-colo site running its own control plane).
        var all = new Kustomization();
        all.Resources.AddRange(colos.Select(c => $"colos/{c}"));
        all.Resources.Add("controlplane");
        tree.Add("kustomization.yaml", all);
        return tree;
    }

    private static void AddFolder(ManifestTree tree, string folder, IEnumerable<(string File, object Object)> objects)
    {
        var kustomization = new Kustomization();
        foreach (var (file, content) in objects)
        {
            tree.Add($"{folder}/{file}", content);
            kustomization.Resources.Add(file);
        }
        tree.Add($"{folder}/kustomization.yaml", kustomization);
    }

    private static List<(string File, object Object)> SameForEveryColo(IReadOnlyList<string> colos, Func<string, IEnumerable<(string File, object Object)>> build)
    {
        var first = build(colos[0]).ToList();
        var expected = KubernetesYaml.Serialize(first.Select(f => f.Object).ToList());
        foreach (var colo in colos.Skip(1))
        {
            if (KubernetesYaml.Serialize(build(colo).Select(f => f.Object).ToList()) != expected)
            {
                throw new InvalidOperationException(
                    $"Colo '{colo}' differs from '{colos[0]}' in a part that belongs in the shared base; move the difference into the colo's overlay.");
            }
        }
        return first;
    }

    private static V1Namespace Namespace(string name, string? colo)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["app.kubernetes.io/part-of"] = Conventions.PartOf };
        if (colo is not null)
        {
            labels["polargrid.io/colo"] = colo;
        }
        return new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = name, Labels = labels } };
    }
}

using System.Text;
using k8s.Models;
using PolarGrid.AppHost.Kubernetes;

namespace PolarGrid.Tests.Kubernetes;

/// <summary>The MicroK8s manifests the app host publishes: committed, current, renderable, and the node's boundary intact.</summary>
public sealed class ManifestTests(PublishedManifestsFixture fixture) : IClassFixture<PublishedManifestsFixture>
{
    private const string Regenerate =
        "dotnet run --project PolarGrid.AppHost -- --operation publish --step publish --output-path aspirate-output";

    [Fact]
    public void The_committed_aspirate_output_is_what_the_app_host_publishes()
    {
        var published = ManifestFiles(fixture.PublishedDirectory);
        var committed = ManifestFiles(PublishedManifestsFixture.CommittedDirectory);

        var missing = published.Keys.Except(committed.Keys).Order().ToList();
        var extra = committed.Keys.Except(published.Keys).Order().ToList();
        var changed = published.Keys.Intersect(committed.Keys).Where(k => published[k] != committed[k]).Order().ToList();
        Assert.True(missing.Count + extra.Count + changed.Count == 0,
            $"aspirate-output is stale; run `{Regenerate}` and commit it.\n" +
            $"missing: {string.Join(", ", missing)}\nnot published any more: {string.Join(", ", extra)}\nchanged: {string.Join(", ", changed)}");
    }

    [Fact]
    public void Every_colo_and_the_control_plane_render_offline_with_kubectl_kustomize()
    {
        Assert.Equal(["yul", "yvr", "yyz"], fixture.Colos.Order());
        foreach (var colo in fixture.Colos)
        {
            var objects = fixture.Rendered[$"colos/{colo}"];
            Assert.Equal(
                [$"polargrid-{colo}-gateway", $"polargrid-{colo}-triton"],
                objects.OfType<V1Namespace>().Select(n => n.Metadata.Name).Order());
            Assert.Single(objects.OfType<V1Deployment>(), d => d.Metadata.Name == "gateway" && d.Metadata.NamespaceProperty == $"polargrid-{colo}-gateway");
            Assert.Single(objects.OfType<V1Deployment>(), d => d.Metadata.Name == "triton" && d.Metadata.NamespaceProperty == $"polargrid-{colo}-triton");
            Assert.Equal($"{colo}.polargrid.example", Assert.Single(objects.OfType<V1Ingress>()).Spec.Rules.Single().Host);
        }
        var control = fixture.Rendered["controlplane"];
        Assert.Equal(2, Assert.Single(control.OfType<V1Deployment>(), d => d.Metadata.Name == "controlplane").Spec.Replicas);
        Assert.Single(control.OfType<V1StatefulSet>(), s => s.Metadata.Name == "postgres");
        Assert.All(control.OfType<IMetadata<V1ObjectMeta>>().Where(o => o is not V1Namespace), o => Assert.Equal("polargrid-control", o.Metadata.NamespaceProperty));

        // The whole fleet in one lab cluster: every object exactly once.
        var all = fixture.Rendered["."];
        Assert.Equal(fixture.Colos.Sum(c => fixture.Rendered[$"colos/{c}"].Count) + control.Count, all.Count);
    }

    [Fact]
    public void The_gateway_runs_in_a_kata_VM_without_a_GPU_and_Triton_on_the_nvidia_runtime_with_one()
    {
        foreach (var colo in fixture.Colos)
        {
            var gateway = Deployment(colo, "gateway");
            Assert.Equal("kata", gateway.Spec.Template.Spec.RuntimeClassName);
            Assert.All(gateway.Spec.Template.Spec.Containers, c => Assert.False(c.Resources.Limits?.ContainsKey("nvidia.com/gpu") ?? false));

            var triton = Deployment(colo, "triton");
            Assert.Equal("nvidia", triton.Spec.Template.Spec.RuntimeClassName);
            var server = triton.Spec.Template.Spec.Containers.Single(c => c.Name == "triton");
            Assert.Equal("1", server.Resources.Limits["nvidia.com/gpu"].ToString());
            Assert.StartsWith("nvcr.io/nvidia/tritonserver:", server.Image);
            Assert.Contains("--model-control-mode=explicit", server.Args);
            Assert.Contains($"--id={colo}-triton", server.Args);
        }
    }

    [Fact]
    public void Triton_is_reachable_only_from_its_colos_gateway_pods_on_the_gRPC_port()
    {
        foreach (var colo in fixture.Colos)
        {
            var objects = fixture.Rendered[$"colos/{colo}"];
            var tritonNamespace = $"polargrid-{colo}-triton";
            var policies = objects.OfType<V1NetworkPolicy>().Where(p => p.Metadata.NamespaceProperty == tritonNamespace).ToList();

            var deny = Assert.Single(policies, p => p.Spec.PodSelector.MatchLabels is null or { Count: 0 } && p.Spec.PodSelector.MatchExpressions is null);
            Assert.Equal(["Egress", "Ingress"], deny.Spec.PolicyTypes.Order());
            Assert.Null(deny.Spec.Ingress);
            Assert.Null(deny.Spec.Egress);

            var service = Assert.Single(objects.OfType<V1Service>(), s => s.Metadata.NamespaceProperty == tritonNamespace);
            Assert.Equal("ClusterIP", service.Spec.Type);
            var grpc = Assert.Single(service.Spec.Ports);
            Assert.Equal("grpc", grpc.Name);

            var ingressRules = policies.Where(p => p.Spec.Ingress is not null).SelectMany(p => p.Spec.Ingress).ToList();
            var rule = Assert.Single(ingressRules);
            var from = Assert.Single(rule.FromProperty);
            Assert.Equal($"polargrid-{colo}-gateway", from.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
            Assert.Equal("gateway", from.PodSelector.MatchLabels["app.kubernetes.io/name"]);
            Assert.Equal(grpc.Port, Assert.Single(rule.Ports).Port.Value is var port ? int.Parse(port) : -1);

            // Triton's own egress: name lookups only.
            var egress = policies.Where(p => p.Spec.Egress is not null).SelectMany(p => p.Spec.Egress).SelectMany(e => e.Ports).ToList();
            Assert.All(egress, p => Assert.Equal("53", p.Port.Value));
        }

        // The gateway's namespace is closed as well: in from the ingress controller only, out to DNS, HTTPS and its Triton.
        foreach (var colo in fixture.Colos)
        {
            var gatewayNamespace = $"polargrid-{colo}-gateway";
            var policies = fixture.Rendered[$"colos/{colo}"].OfType<V1NetworkPolicy>().Where(p => p.Metadata.NamespaceProperty == gatewayNamespace).ToList();
            var deny = Assert.Single(policies, p => p.Spec.PodSelector.MatchLabels is null or { Count: 0 });
            Assert.Equal(["Egress", "Ingress"], deny.Spec.PolicyTypes.Order());
            var admitted = Assert.Single(policies.Where(p => p.Spec.Ingress is not null).SelectMany(p => p.Spec.Ingress));
            Assert.Equal("ingress", Assert.Single(admitted.FromProperty).NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
            Assert.Equal("https", Assert.Single(admitted.Ports).Port.Value);
            var egress = policies.Where(p => p.Spec.Egress is not null).SelectMany(p => p.Spec.Egress).ToList();
            Assert.Equal(["443", "53", "53", "8001"], egress.SelectMany(e => e.Ports).Select(p => p.Port.Value).Order(StringComparer.Ordinal));
            var toTriton = Assert.Single(egress, e => e.Ports.Any(p => p.Port.Value == "8001"));
            Assert.Equal($"polargrid-{colo}-triton", Assert.Single(toTriton.To).NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
        }

        // Nothing outside a cluster reaches Triton: no Ingress routes to it and no Service of the fleet is exposed on nodes.
        var all = fixture.Rendered["."];
        Assert.DoesNotContain(all.OfType<V1Ingress>().SelectMany(i => i.Spec.Rules).SelectMany(r => r.Http.Paths), p => p.Backend.Service.Name == "triton");
        Assert.All(all.OfType<V1Service>(), s => Assert.Equal("ClusterIP", s.Spec.Type));
    }

    [Fact]
    public void Every_container_has_probes_requests_and_limits_and_runs_as_non_root_without_privileges()
    {
        foreach (var (overlay, objects) in fixture.Rendered.Where(r => r.Key != "."))
        {
            foreach (var (name, pod) in PodTemplates(objects))
            {
                Assert.True(pod.Spec.SecurityContext?.RunAsNonRoot == true, $"{overlay} {name}: pod may run as root");
                Assert.False(pod.Spec.AutomountServiceAccountToken ?? true, $"{overlay} {name}: mounts an API token it never uses");
                foreach (var container in pod.Spec.Containers)
                {
                    var where = $"{overlay} {name}/{container.Name}";
                    Assert.True(container.ReadinessProbe is not null, $"{where}: no readiness probe");
                    Assert.True(container.LivenessProbe is not null, $"{where}: no liveness probe");
                    Assert.True(container.Resources?.Requests?.ContainsKey("cpu") == true && container.Resources.Requests.ContainsKey("memory"), $"{where}: no requests");
                    Assert.True(container.Resources.Limits?.ContainsKey("cpu") == true && container.Resources.Limits.ContainsKey("memory"), $"{where}: no limits");
                    Assert.False(container.SecurityContext.AllowPrivilegeEscalation ?? true, $"{where}: may escalate privileges");
                    Assert.Contains("ALL", container.SecurityContext.Capabilities.Drop);
                    Assert.NotEqual(0, container.SecurityContext.RunAsUser ?? pod.Spec.SecurityContext.RunAsUser);
                }
            }
            // A read-only root: .NET containers keep their home on the writable scratch volume.
            Assert.All(PodTemplates(objects).SelectMany(p => p.Pod.Spec.Containers).Where(c => c.Image.StartsWith("polargrid/", StringComparison.Ordinal)),
                c => Assert.Equal("/tmp", Assert.Single(c.Env, e => e.Name == "HOME").Value));
            // Only Triton (its backends write under its home) keeps a writable root file system.
            Assert.All(PodTemplates(objects).SelectMany(p => p.Pod.Spec.Containers).Where(c => c.Name != "triton"),
                c => Assert.True(c.SecurityContext.ReadOnlyRootFilesystem, $"{overlay} {c.Name}: writable root file system"));
            Assert.All(objects.OfType<IMetadata<V1ObjectMeta>>().Where(o => o is not V1Namespace and not V1NetworkPolicy and not V1Secret and not V1ConfigMap),
                o => Assert.Equal("polargrid", o.Metadata.Labels["app.kubernetes.io/part-of"]));
        }
    }

    [Fact]
    public void No_secret_value_appears_in_the_committed_tree_or_in_any_rendered_object_but_its_Secret()
    {
        Assert.NotEmpty(fixture.SecretValues);
        var committed = string.Join("\n", Directory.EnumerateFiles(PublishedManifestsFixture.CommittedDirectory, "*", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Contains("secrets"))
            .Select(File.ReadAllText));
        foreach (var (overlay, objects) in fixture.Rendered)
        {
            var notSecrets = string.Join("\n", objects.Where(o => o is not V1Secret).Select(o => k8s.KubernetesYaml.Serialize(o)));
            foreach (var value in fixture.SecretValues)
            {
                var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
                Assert.DoesNotContain(value, notSecrets);
                Assert.DoesNotContain(encoded, notSecrets);
                Assert.DoesNotContain(value, committed);
            }
        }
        // Secrets reach containers by reference: a secretKeyRef, or a $(VAR) expansion of one.
        var gateway = Deployment(fixture.Colos.First(), "gateway").Spec.Template.Spec.Containers.Single();
        Assert.Equal("token-public-keys.pem", Assert.Single(gateway.Env, e => e.Name == "Auth__PublicKeys").ValueFrom.SecretKeyRef.Key);
        // HTTPS only: the base image's plain-HTTP port is cleared, or the gateway would refuse to start.
        Assert.Equal("", Assert.Single(gateway.Env, e => e.Name == "ASPNETCORE_HTTP_PORTS").Value ?? "");
        Assert.Equal("https://+:8443", ConfigMap(fixture.Colos.First(), "gateway-env")["ASPNETCORE_URLS"]);
        var controlPlane = fixture.Rendered["controlplane"].OfType<V1Deployment>().Single().Spec.Template.Spec.Containers.Single();
        Assert.Contains("Password=$(POLARGRID_SECRET_POSTGRES_PASSWORD)", Assert.Single(controlPlane.Env, e => e.Name == "ConnectionStrings__polargrid").Value);

        // The inputs themselves are never committed.
        Assert.Contains("aspirate-output/**/secrets/", File.ReadAllLines(Path.Combine(Testing.RepositoryPaths.Root, ".gitignore")));
    }

    [Fact]
    public void The_gateway_and_the_sidecar_share_the_node_staging_folder_and_the_sidecar_shares_the_model_repository_with_Triton()
    {
        foreach (var colo in fixture.Colos)
        {
            var gateway = Deployment(colo, "gateway").Spec.Template.Spec;
            var triton = Deployment(colo, "triton").Spec.Template.Spec;
            var gatewayStaging = gateway.Volumes.Single(v => v.HostPath is not null).HostPath.Path;
            Assert.Equal(gatewayStaging, triton.Volumes.Single(v => v.HostPath is not null).HostPath.Path);

            var models = triton.Volumes.Single(v => v.PersistentVolumeClaim is not null).Name;
            var server = triton.Containers.Single(c => c.Name == "triton");
            var sidecar = triton.Containers.Single(c => c.Name == "sidecar");
            var serverMount = server.VolumeMounts.Single(m => m.Name == models);
            Assert.True(serverMount.ReadOnlyProperty, "Triton only reads the repository; the sidecar writes it");
            Assert.Equal(serverMount.MountPath, sidecar.VolumeMounts.Single(m => m.Name == models).MountPath);

            // The gateway calls its own colo's Triton through the Service; the sidecar in Triton's pod over loopback.
            var gatewayEnv = ConfigMap(colo, "gateway-env");
            Assert.Equal($"http://triton.polargrid-{colo}-triton.svc.cluster.local:8001", gatewayEnv["Triton__Endpoint"]);
            Assert.Equal(colo, gatewayEnv["Node__Colo"]);
            // Deployed gateways accept the fleet's tokens, not the local fleet's, verified with public keys only: no
            // gateway holds a key that could mint for the fleet.
            Assert.Equal("polargrid", gatewayEnv["Auth__Issuer"]);
            Assert.DoesNotContain(gatewayEnv.Keys, name => name.StartsWith("Auth__SigningKeys", StringComparison.Ordinal));
            Assert.DoesNotContain(Deployment(colo, "gateway").Spec.Template.Spec.Containers.Single().Env, e => e.Name.StartsWith("Auth__SigningKeys", StringComparison.Ordinal));
            Assert.Equal("http://127.0.0.1:8001", ConfigMap(colo, "sidecar-env")["Triton__Endpoint"]);
        }
        // The control plane pulls each node through its public URL, as any client would.
        var controlEnv = fixture.Rendered["controlplane"].OfType<V1ConfigMap>().Single(c => c.Metadata.Name.StartsWith("controlplane-env", StringComparison.Ordinal)).Data;
        Assert.Equal(fixture.Colos.Select(c => $"https://{c}.polargrid.example").Order(),
            controlEnv.Where(e => e.Key.EndsWith("__PublicUrl", StringComparison.Ordinal)).Select(e => e.Value).Order());
    }

    private V1Deployment Deployment(string colo, string name) =>
        fixture.Rendered[$"colos/{colo}"].OfType<V1Deployment>().Single(d => d.Metadata.Name == name);

    private IDictionary<string, string> ConfigMap(string colo, string prefix) =>
        fixture.Rendered[$"colos/{colo}"].OfType<V1ConfigMap>().Single(c => c.Metadata.Name.StartsWith(prefix + "-", StringComparison.Ordinal)).Data;

    private static IEnumerable<(string Name, V1PodTemplateSpec Pod)> PodTemplates(IEnumerable<object> objects) =>
        objects.OfType<V1Deployment>().Select(d => (d.Metadata.Name, d.Spec.Template))
            .Concat(objects.OfType<V1StatefulSet>().Select(s => (s.Metadata.Name, s.Spec.Template)));

    private static Dictionary<string, string> ManifestFiles(string root) =>
        new[] { "kustomization.yaml" }.Where(f => File.Exists(Path.Combine(root, f)))
            .Concat(KustomizeTreeWriter.OwnedFolders.Where(f => Directory.Exists(Path.Combine(root, f)))
                .SelectMany(f => Directory.EnumerateFiles(Path.Combine(root, f), "*.yaml", SearchOption.AllDirectories))
                .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
                .Where(f => !f.Split('/').Contains("secrets")))
            .ToDictionary(f => f, f => File.ReadAllText(Path.Combine(root, f)), StringComparer.Ordinal);
}

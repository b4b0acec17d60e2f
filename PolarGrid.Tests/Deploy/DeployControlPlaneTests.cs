using System.Security.Cryptography;

namespace PolarGrid.Tests.Deploy;

/// <summary>
/// deploy/deploy-controlplane.sh against the fake API server: it needs DNS and storage but no Kata, NVIDIA runtime or
/// GPU, and fails naming any missing prerequisite of its own.
/// </summary>
public sealed class DeployControlPlaneTests : IAsyncLifetime
{
    private DeployHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await DeployHarness.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Dry_run_on_a_cluster_without_gpu_kata_or_ingress_validates_and_prints_the_plan()
    {
        var cluster = _harness.Api.Cluster;
        cluster.RuntimeClasses.Clear();
        cluster.GpuAllocatable = cluster.GpuCapacity = 0;
        cluster.IngressClasses.Clear(); // the test overlay has no Ingress
        _harness.Arguments.Add("--dry-run");

        var result = await _harness.RunControlPlaneAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Missing);
        var output = result.StandardOutput;
        Assert.Contains("-p:ContainerRepository=fleet/polargrid/controlplane", output);
        Assert.Contains(_harness.ImageOf("controlplane"), output);
        Assert.Contains($"routing-signing-key.pem  from {_harness.Secrets.Folder}/routing-signing-key.pem", output);
        Assert.Contains("admin-key                from $POLARGRID_ADMIN_KEY", output);
        Assert.Contains($"postgres-password        from {_harness.Secrets.Folder}/controlplane/postgres-password", output);
        Assert.Contains($"kubectl --context microk8s apply -k {Path.Combine(_harness.WorkRoot, "controlplane")}", output);
        Assert.Contains("-n polargrid-control rollout status statefulset/postgres --timeout=10m", output);
        Assert.Contains("-n polargrid-control rollout status deployment/controlplane --timeout=10m", output);
        Assert.Contains("get --raw /api/v1/namespaces/polargrid-control/services/controlplane/proxy/health", output);

        _harness.AssertNoSecretIn(result.Output);
        _harness.AssertNothingChanged();
        Assert.DoesNotContain(_harness.Api.Requests, request =>
            request.Contains("runtimeclasses", StringComparison.Ordinal) || request == "GET /api/v1/nodes" ||
            request.Contains("ingressclasses", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dry_run_traced_by_bash_x_still_never_shows_a_secret()
    {
        _harness.Arguments.Add("--dry-run");

        var result = await _harness.RunControlPlaneAsync(trace: true);

        Assert.True(result.ExitCode == 0, result.ToString());
        _harness.AssertNoSecretIn(result.Output);
    }

    [Theory]
    [InlineData("routing signing key", "secret input routing-signing-key.pem: POLARGRID_ROUTING_SIGNING_KEY_FILE names")]
    [InlineData("pkcs8 routing signing key", "secret input routing-signing-key.pem:")]
    [InlineData("admin key", "secret input admin-key: not given (set POLARGRID_ADMIN_KEY or set POLARGRID_ADMIN_KEY_FILE to a file or put admin-key in --secrets-dir)")]
    [InlineData("postgres password", "secret input postgres-password: not given")]
    [InlineData("default storage class", "storage add-on: no default StorageClass")]
    [InlineData("coredns", "dns add-on: no CoreDNS")]
    [InlineData("context", "kubeconfig context nowhere: not in")]
    [InlineData("overlay", "/controlplane/kustomization.yaml does not exist")]
    [InlineData("statefulset", "overlay: no StatefulSet postgres in namespace polargrid-control")]
    public async Task A_missing_prerequisite_fails_naming_it(string prerequisite, string named)
    {
        TakeAway(prerequisite);
        _harness.Arguments.Add("--dry-run");

        var result = await _harness.RunControlPlaneAsync();

        Assert.True(result.ExitCode == 1, result.ToString());
        var missing = Assert.Single(result.Missing);
        Assert.Contains(named, missing);
        Assert.Contains($"1 prerequisite(s) missing for control plane:\n  - {missing}", result.StandardError);
        _harness.AssertNoSecretIn(result.Output);
        _harness.AssertNothingChanged();
    }

    private void TakeAway(string prerequisite)
    {
        var cluster = _harness.Api.Cluster;
        switch (prerequisite)
        {
            case "routing signing key":
                _harness.Environment["POLARGRID_ROUTING_SIGNING_KEY_FILE"] = Path.Combine(_harness.Scratch, "missing.pem");
                break;
            case "pkcs8 routing signing key":
                // The right curve in the wrong container: SEC1 ("EC PRIVATE KEY"), which the control plane does not read.
                using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                {
                    _harness.Secrets.WriteFile("routing-signing-key.pem", key.ExportECPrivateKeyPem());
                }
                break;
            case "admin key":
                _harness.Environment.Remove("POLARGRID_ADMIN_KEY");
                break;
            case "postgres password":
                File.Delete(Path.Combine(_harness.Secrets.Folder, "controlplane", "postgres-password"));
                break;
            case "default storage class":
                cluster.StorageClasses.Clear();
                break;
            case "coredns":
                cluster.CoreDnsReadyReplicas = null;
                break;
            case "context":
                _harness.SetOption("--context", "nowhere");
                break;
            case "overlay":
                Directory.Delete(_harness.ControlPlaneOverlay, recursive: true);
                break;
            case "statefulset":
                var manifest = Path.Combine(_harness.ControlPlaneOverlay, "controlplane.yaml");
                File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("kind: StatefulSet", "kind: Deployment"));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(prerequisite), prerequisite, null);
        }
    }
}

using PolarGrid.Testing;

namespace PolarGrid.Tests.Deploy;

/// <summary>
/// deploy/deploy-colo.sh run by bash with the real kubectl against a fake API server: --dry-run validates everything
/// read-only and prints the plan, and each missing prerequisite fails the run naming it.
/// </summary>
public sealed class DeployColoTests : IAsyncLifetime
{
    private DeployHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await DeployHarness.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Dry_run_with_every_prerequisite_validates_and_prints_the_plan_changing_nothing()
    {
        _harness.Arguments.Add("--dry-run");

        var result = await _harness.RunColoAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Missing);
        Assert.Equal("", result.StandardError);
        var colo = _harness.Colo;
        var output = result.StandardOutput;
        // The images it builds, pushed to the registry with the tag, and Triton as the overlay names it.
        Assert.Contains("-t:PublishContainer", output);
        Assert.Contains($"PolarGrid.Gateway.csproj -c Release -t:PublishContainer -p:ContainerImageTag={DeployHarness.Tag} " +
            $"-p:ContainerRegistry={_harness.Api.Authority} -p:ContainerRepository=fleet/polargrid/gateway", output);
        Assert.Contains("-p:ContainerRepository=fleet/polargrid/sidecar", output);
        Assert.Contains(_harness.ImageOf("gateway"), output);
        Assert.Contains(_harness.ImageOf("sidecar"), output);
        Assert.Contains("nvcr.io/nvidia/tritonserver:26.09-py3", output);
        // The secret inputs by name and source.
        Assert.Contains($"token-public-keys.pem    from {_harness.Secrets.Folder}/token-public-keys.pem", output);
        Assert.Contains($"tls.crt                  from {_harness.Secrets.Folder}/{colo}/tls.crt", output);
        Assert.Contains($"tls.key                  from {_harness.Secrets.Folder}/{colo}/tls.key", output);
        Assert.Contains("hf-token                 from $HF_TOKEN", output);
        // The throw-away kustomization over the overlay, applied, then the rollouts, health and URL.
        var work = Path.Combine(_harness.WorkRoot, colo);
        Assert.Contains($"newName: {_harness.Registry}/polargrid/gateway", output);
        Assert.Contains($"- {Path.GetRelativePath(work, _harness.ColoOverlay)}", output);
        Assert.Contains($"kubectl --context microk8s apply -k {work}", output);
        Assert.Contains($"-n polargrid-{colo}-gateway rollout status deployment/gateway --timeout=10m", output);
        Assert.Contains($"-n polargrid-{colo}-triton rollout status deployment/triton --timeout=10m", output);
        Assert.Contains($"get --raw /api/v1/namespaces/polargrid-{colo}-gateway/services/https:gateway:https/proxy/health", output);
        Assert.Contains($"https://{TestOverlay.PublicHost(colo)}", output);

        _harness.AssertNoSecretIn(result.Output);
        _harness.AssertNothingChanged();
        // Every cluster question went to its API path: no discovery, nothing else.
        Assert.Equal(
            [
                "GET /api/v1/nodes",
                "GET /apis/apps/v1/namespaces/kube-system/deployments/coredns",
                "GET /apis/networking.k8s.io/v1/ingressclasses",
                "GET /apis/node.k8s.io/v1/runtimeclasses/kata",
                "GET /apis/node.k8s.io/v1/runtimeclasses/nvidia",
                "GET /apis/storage.k8s.io/v1/storageclasses",
                "GET /v2/",
                "GET /version",
            ],
            _harness.Api.Requests.Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Dry_run_traced_by_bash_x_still_never_shows_a_secret()
    {
        _harness.Arguments.Add("--dry-run");

        var result = await _harness.RunColoAsync(trace: true);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("+ ", result.StandardError); // it did trace
        _harness.AssertNoSecretIn(result.Output);
    }

    [Fact]
    public async Task Without_a_registry_the_plan_builds_archives_and_imports_them_into_microk8s()
    {
        _harness.SetOption("--registry", null);
        _harness.Environment["MICROK8S"] = _harness.WriteTool("microk8s", "#!/usr/bin/env bash\nexit 0\n");
        _harness.Arguments.Add("--dry-run");

        var result = await _harness.RunColoAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        var archive = Path.Combine(_harness.WorkRoot, "images", $"gateway-{DeployHarness.Tag}.tar.gz");
        Assert.Contains($"-p:ContainerArchiveOutputPath={archive}", result.StandardOutput);
        Assert.Contains($"microk8s ctr image import {archive}", result.StandardOutput);
        Assert.DoesNotContain("ContainerRegistry", result.StandardOutput);
        Assert.Contains($"polargrid/gateway:{DeployHarness.Tag}", result.StandardOutput);
        Assert.DoesNotContain("GET /v2/", _harness.Api.Requests);
        _harness.AssertNothingChanged();
    }

    [Fact]
    public async Task Secret_inputs_left_by_the_last_deploy_are_kept_and_an_absent_hf_token_is_allowed()
    {
        var kept = Path.Combine(_harness.ColoOverlay, "gateway", "secrets", "token-public-keys.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(kept)!);
        File.WriteAllText(kept, _harness.Secrets.TokenPublicKeysPem);
        File.Delete(Path.Combine(_harness.Secrets.Folder, "token-public-keys.pem"));
        _harness.Environment.Remove("HF_TOKEN");
        _harness.Arguments.Add("--dry-run");

        var result = await _harness.RunColoAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("token-public-keys.pem    kept from the last deploy", result.StandardOutput);
        Assert.Contains("hf-token                 not given: an empty file", result.StandardOutput);
        Assert.Equal(_harness.Secrets.TokenPublicKeysPem, File.ReadAllText(kept)); // untouched
        _harness.AssertNoSecretIn(result.Output);
    }

    [Theory]
    [InlineData("kata runtime class", "RuntimeClass kata: Error from server (NotFound)")]
    [InlineData("nvidia runtime class", "RuntimeClass nvidia: Error from server (NotFound)")]
    [InlineData("ingress class", "ingress add-on: no IngressClass; microk8s enable ingress")]
    [InlineData("default storage class", "storage add-on: no default StorageClass; microk8s enable hostpath-storage")]
    [InlineData("coredns", "dns add-on: no CoreDNS (Deployment kube-system/coredns")]
    [InlineData("ready coredns", "dns add-on: CoreDNS (kube-system/coredns) has no ready replica")]
    [InlineData("allocatable gpu", "gpu add-on: no node has nvidia.com/gpu allocatable")]
    [InlineData("context", "kubeconfig context nowhere: not in")]
    [InlineData("api server", "API server of context microk8s (http://127.0.0.1:")]
    [InlineData("token public keys", "secret input token-public-keys.pem: not given (set POLARGRID_TOKEN_PUBLIC_KEYS_FILE to a file or put token-public-keys.pem in --secrets-dir)")]
    [InlineData("token private key", "token-public-keys.pem holds a private key; give public keys only")]
    [InlineData("pem token public keys", "token-public-keys.pem is not a PEM public key (no '-----BEGIN PUBLIC KEY-----' line)")]
    [InlineData("tls certificate", "secret input tls.crt: not given")]
    [InlineData("pem tls certificate", "secret input tls.crt:")]
    [InlineData("tls key file", "secret input tls.key: POLARGRID_TLS_KEY_FILE names")]
    [InlineData("overlay", "overlay: ")]
    [InlineData("registry", "GET /v2/ answered 404, not 200 or 401")]
    [InlineData("reachable registry", "no answer to GET /v2/ over HTTPS or HTTP")]
    [InlineData("kubectl", "kubectl: 'polargrid-no-kubectl' is not on PATH")]
    [InlineData("microk8s", "microk8s: no --registry given")]
    public async Task A_missing_prerequisite_fails_naming_it(string prerequisite, string named)
    {
        TakeAway(prerequisite);
        _harness.Arguments.Add("--dry-run");

        var result = await _harness.RunColoAsync();

        Assert.True(result.ExitCode == 1, result.ToString());
        var missing = Assert.Single(result.Missing);
        Assert.Contains(named, missing);
        Assert.Contains($"1 prerequisite(s) missing for colo {_harness.Colo}:\n  - {missing}", result.StandardError);
        _harness.AssertNoSecretIn(result.Output);
        _harness.AssertNothingChanged();
    }

    [Fact]
    public async Task Without_dry_run_a_missing_prerequisite_stops_it_before_anything_is_built_or_written()
    {
        _harness.Api.Cluster.RuntimeClasses.Remove("kata");
        var dotnet = Path.Combine(_harness.Scratch, "dotnet.log");
        _harness.Environment["DOTNET"] = _harness.WriteTool("dotnet", $"#!/usr/bin/env bash\necho \"$*\" >> '{dotnet}'\n");

        var result = await _harness.RunColoAsync();

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("RuntimeClass kata", Assert.Single(result.Missing));
        Assert.DoesNotContain("Deploying", result.StandardOutput);
        Assert.False(File.Exists(dotnet), "an image was built");
        _harness.AssertNothingChanged();
    }

    [Theory]
    [InlineData("YVR")]
    [InlineData("yvr_1")]
    [InlineData("yvr-")]
    public async Task A_colo_name_outside_lowercase_letters_digits_and_dashes_is_refused(string colo)
    {
        var result = await DeployScript.RunAsync("deploy-colo.sh", [colo, "--dry-run", .. _harness.Arguments], _harness.Environment);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"colo '{colo}' must be lowercase letters, digits and dashes", result.StandardError);
        Assert.Empty(_harness.Api.Requests);
    }

    private void TakeAway(string prerequisite)
    {
        var cluster = _harness.Api.Cluster;
        switch (prerequisite)
        {
            case "kata runtime class":
                cluster.RuntimeClasses.Remove("kata");
                break;
            case "nvidia runtime class":
                cluster.RuntimeClasses.Remove("nvidia");
                break;
            case "ingress class":
                cluster.IngressClasses.Clear();
                break;
            case "default storage class":
                cluster.StorageClasses[0] = cluster.StorageClasses[0] with { IsDefault = false };
                break;
            case "coredns":
                cluster.CoreDnsReadyReplicas = null;
                break;
            case "ready coredns":
                cluster.CoreDnsReadyReplicas = 0;
                break;
            case "allocatable gpu":
                // The GPU is there but the operator's device plugin has not made it schedulable.
                cluster.GpuAllocatable = 0;
                break;
            case "context":
                _harness.SetOption("--context", "nowhere");
                break;
            case "api server":
                _harness.Api.WriteKubeconfig(_harness.Kubeconfig, new Uri($"http://127.0.0.1:{FreePort.Next()}"));
                break;
            case "token public keys":
                File.Delete(Path.Combine(_harness.Secrets.Folder, "token-public-keys.pem"));
                break;
            case "token private key":
                // The operator's private key where the gateways' public keys belong: a gateway could mint with it.
                _harness.Secrets.WriteFile("token-public-keys.pem", _harness.Secrets.TokenPublicKeysPem + _harness.Secrets.TokenPrivateKeyPem);
                break;
            case "pem token public keys":
                _harness.Secrets.WriteFile("token-public-keys.pem", "fleet\n");
                break;
            case "tls certificate":
                File.Delete(Path.Combine(_harness.Secrets.Folder, _harness.Colo, "tls.crt"));
                break;
            case "pem tls certificate":
                _harness.Secrets.WriteFile($"{_harness.Colo}/tls.crt", "not a certificate\n");
                break;
            case "tls key file":
                _harness.Environment["POLARGRID_TLS_KEY_FILE"] = Path.Combine(_harness.Scratch, "no-such-key.pem");
                break;
            case "overlay":
                Directory.Delete(_harness.ColoOverlay, recursive: true);
                break;
            case "registry":
                cluster.RegistryStatus = 404;
                break;
            case "reachable registry":
                _harness.SetOption("--registry", $"127.0.0.1:{FreePort.Next()}/fleet");
                break;
            case "kubectl":
                _harness.Environment["KUBECTL"] = "polargrid-no-kubectl";
                break;
            case "microk8s":
                _harness.SetOption("--registry", null);
                _harness.Environment["MICROK8S"] = "polargrid-no-microk8s";
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(prerequisite), prerequisite, null);
        }
    }
}

namespace PolarGrid.Tests.Deploy;

/// <summary>
/// A whole deploy without --dry-run. The fake API server cannot take <c>kubectl apply</c> (that needs API discovery
/// and the object endpoints), so a stand-in kubectl answers <c>apply</c> by rendering what it was given with the real
/// kubectl's kustomize, and <c>rollout status</c> at once; everything else (the checks, /health) is the real kubectl
/// against the fake. A stand-in dotnet records the image builds.
/// </summary>
public sealed class DeployRunTests : IAsyncLifetime
{
    private DeployHarness _harness = null!;
    private string _kubectlLog = null!;
    private string _applied = null!;
    private string _dotnetLog = null!;

    public async Task InitializeAsync()
    {
        _harness = await DeployHarness.StartAsync();
        _kubectlLog = Path.Combine(_harness.Scratch, "kubectl.log");
        _applied = Path.Combine(_harness.Scratch, "applied.yaml");
        _dotnetLog = Path.Combine(_harness.Scratch, "dotnet.log");
        _harness.Environment["KUBECTL"] = _harness.WriteTool("kubectl", $$"""
            #!/usr/bin/env bash
            set -euo pipefail
            printf '%s\n' "$*" >> '{{_kubectlLog}}'
            for argument in "$@"; do
              case $argument in
                apply) kubectl kustomize "${@: -1}" > '{{_applied}}'; echo "applied"; exit 0 ;;
                rollout) echo "successfully rolled out"; exit 0 ;;
                get | config | kustomize) break ;;
              esac
            done
            exec kubectl "$@"
            """);
        _harness.Environment["DOTNET"] = _harness.WriteTool("dotnet", $$"""
            #!/usr/bin/env bash
            printf '%s\n' "$*" >> '{{_dotnetLog}}'
            """);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task A_colo_deploy_builds_writes_the_secrets_privately_applies_waits_checks_health_and_prints_the_url()
    {
        var colo = _harness.Colo;
        _harness.Api.Cluster.HealthyServices.Add($"polargrid-{colo}-gateway/https:gateway:https");

        var result = await _harness.RunColoAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.EndsWith($"colo {colo} is up: https://{TestOverlay.PublicHost(colo)}\n", result.StandardOutput);
        _harness.AssertNoSecretIn(result.Output);

        // Both images built and pushed with the tag.
        var builds = File.ReadAllLines(_dotnetLog);
        Assert.Equal(2, builds.Length);
        Assert.Contains(builds, build => build.Contains("PolarGrid.Gateway.csproj", StringComparison.Ordinal) &&
            build.Contains($"-p:ContainerRepository=fleet/polargrid/gateway", StringComparison.Ordinal));
        Assert.Contains(builds, build => build.Contains("PolarGrid.Sidecar.csproj", StringComparison.Ordinal) &&
            build.Contains($"-p:ContainerImageTag={DeployHarness.Tag}", StringComparison.Ordinal));

        // The secret inputs, byte for byte (no added newline), readable by the owner only.
        var secrets = Path.Combine(_harness.ColoOverlay, "gateway", "secrets");
        AssertPrivateFile(Path.Combine(secrets, "token-public-keys.pem"), _harness.Secrets.TokenPublicKeysPem);
        AssertPrivateFile(Path.Combine(secrets, "hf-token"), _harness.Secrets.HfToken);
        AssertPrivateFile(Path.Combine(secrets, "tls.crt"), _harness.Secrets.TlsCertificatePem);
        AssertPrivateFile(Path.Combine(secrets, "tls.key"), _harness.Secrets.TlsKeyPem);

        // What was applied: the overlay, its images pointed at the registry, and the secrets generated from the files.
        var work = Path.Combine(_harness.WorkRoot, colo);
        var applied = File.ReadAllText(_applied);
        Assert.Contains($"image: {_harness.ImageOf("gateway")}", applied);
        Assert.Contains($"image: {_harness.ImageOf("sidecar")}", applied);
        Assert.Contains("image: nvcr.io/nvidia/tritonserver:26.09-py3", applied);
        // (kubectl folds a value this long over several lines: read it back as the Secret it is.)
        var gatewaySecret = k8s.KubernetesYaml.LoadAllFromString(applied).OfType<k8s.Models.V1Secret>().Single(secret => secret.Metadata.Name == "gateway-auth");
        Assert.Equal(_harness.Secrets.TokenPublicKeysPem, System.Text.Encoding.UTF8.GetString(gatewaySecret.Data["token-public-keys.pem"]));
        Assert.DoesNotContain("emitted", applied);
        // ...while the committed overlay still names the emitter's images.
        Assert.Contains("image: polargrid/gateway:emitted", File.ReadAllText(Path.Combine(_harness.ColoOverlay, "gateway.yaml")));

        var kubectl = File.ReadAllLines(_kubectlLog);
        var apply = Array.FindIndex(kubectl, line => line == $"--context microk8s apply -k {work}");
        var gatewayRollout = Array.FindIndex(kubectl, line =>
            line == $"--context microk8s -n polargrid-{colo}-gateway rollout status deployment/gateway --timeout=10m");
        var tritonRollout = Array.FindIndex(kubectl, line =>
            line == $"--context microk8s -n polargrid-{colo}-triton rollout status deployment/triton --timeout=10m");
        Assert.True(apply >= 0 && gatewayRollout > apply && tritonRollout > apply, string.Join('\n', kubectl));
        Assert.Contains($"GET /api/v1/namespaces/polargrid-{colo}-gateway/services/https:gateway:https/proxy/health",
            _harness.Api.Requests);
    }

    [Fact]
    public async Task A_control_plane_deploy_waits_for_postgres_and_the_control_plane_and_checks_health()
    {
        _harness.Api.Cluster.HealthyServices.Add("polargrid-control/controlplane");

        var result = await _harness.RunControlPlaneAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("control plane healthy", result.StandardOutput);
        _harness.AssertNoSecretIn(result.Output);
        var secrets = Path.Combine(_harness.ControlPlaneOverlay, "secrets");
        AssertPrivateFile(Path.Combine(secrets, "routing-signing-key.pem"), _harness.Secrets.RoutingKeyPem);
        AssertPrivateFile(Path.Combine(secrets, "admin-key"), _harness.Secrets.AdminKey);
        AssertPrivateFile(Path.Combine(secrets, "postgres-password"), _harness.Secrets.PostgresPassword);
        Assert.Contains($"image: {_harness.ImageOf("controlplane")}", File.ReadAllText(_applied));
        var kubectl = File.ReadAllText(_kubectlLog);
        Assert.Contains("-n polargrid-control rollout status statefulset/postgres --timeout=10m", kubectl);
        Assert.Contains("-n polargrid-control rollout status deployment/controlplane --timeout=10m", kubectl);
    }

    private static void AssertPrivateFile(string path, string content)
    {
        Assert.Equal(content, File.ReadAllText(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }
}

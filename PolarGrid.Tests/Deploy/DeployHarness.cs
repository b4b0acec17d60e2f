using PolarGrid.Testing;

namespace PolarGrid.Tests.Deploy;

/// <summary>
/// One test's deploy setting: a fake API server with every prerequisite (it doubles as the registry), a kubeconfig
/// reaching it, the test overlay, fresh secret inputs given through variables and --secrets-dir, and a work folder in
/// scratch. A test takes something away, then runs a script with <see cref="Arguments"/> and <see cref="Environment"/>.
/// </summary>
public sealed class DeployHarness : IAsyncDisposable
{
    public const string Tag = "test-1";
    public const string Context = "microk8s";

    private readonly ScratchDirectory _scratch = new("polargrid-deploy");

    private DeployHarness(FakeKubernetesApi api, string? emittedColo)
    {
        Api = api;
        Secrets = new DeploySecrets(System.IO.Path.Combine(_scratch.Path, "secrets"));
        if (emittedColo is null)
        {
            // Any [a-z0-9-]+ name is a colo: a fresh one per test, with a dash.
            Colo = $"edge-{Guid.NewGuid():N}"[..12];
            TestOverlay.WriteColo(OverlayRoot, Colo);
            TestOverlay.WriteControlPlane(OverlayRoot);
        }
        else
        {
            // The committed manifests the app host emits, as an operator's checkout has them (no secrets).
            Colo = emittedColo;
            TestModels.CopyDirectory(System.IO.Path.Combine(RepositoryPaths.Root, "aspirate-output"), OverlayRoot);
            foreach (var secrets in Directory.GetDirectories(OverlayRoot, "secrets", SearchOption.AllDirectories))
            {
                Directory.Delete(secrets, recursive: true);
            }
        }
        Api.WriteKubeconfig(Kubeconfig);

        // Colo: HF token from a variable, TLS from the colo's own folder under --secrets-dir, the token public keys
        // (the same at every colo) from the folder itself.
        Secrets.WriteFile("token-public-keys.pem", Secrets.TokenPublicKeysPem);
        Secrets.WriteFile($"{Colo}/tls.crt", Secrets.TlsCertificatePem);
        Secrets.WriteFile($"{Colo}/tls.key", Secrets.TlsKeyPem);
        // Control plane: routing key from a file variable, admin key from a variable, Postgres password from the folder.
        Secrets.WriteFile("controlplane/postgres-password", Secrets.PostgresPassword);
        Secrets.WriteFile("controlplane/tls.crt", Secrets.TlsCertificatePem);
        Secrets.WriteFile("controlplane/tls.key", Secrets.TlsKeyPem);
        var routingKey = Secrets.WriteFile("routing-signing-key.pem", Secrets.RoutingKeyPem);

        Environment = new Dictionary<string, string?>
        {
            ["KUBECONFIG"] = Kubeconfig,
            ["POLARGRID_DEPLOY_WORK"] = WorkRoot,
            ["HF_TOKEN"] = Secrets.HfToken,
            ["POLARGRID_ROUTING_SIGNING_KEY_FILE"] = routingKey,
            ["POLARGRID_ADMIN_KEY"] = Secrets.AdminKey,
        };
        Arguments =
        [
            "--context", Context,
            "--registry", Registry,
            "--tag", Tag,
            "--secrets-dir", Secrets.Folder,
            "--overlay-root", OverlayRoot,
        ];
    }

    public FakeKubernetesApi Api { get; }

    public string Colo { get; }

    public DeploySecrets Secrets { get; }

    public string Scratch => _scratch.Path;

    public string OverlayRoot => System.IO.Path.Combine(_scratch.Path, "aspirate-output");

    public string ColoOverlay => System.IO.Path.Combine(OverlayRoot, "colos", Colo);

    public string ControlPlaneOverlay => System.IO.Path.Combine(OverlayRoot, "controlplane");

    public string Kubeconfig => System.IO.Path.Combine(_scratch.Path, "kubeconfig");

    public string WorkRoot => System.IO.Path.Combine(_scratch.Path, "work");

    /// <summary>The registry argument: the fake server's authority and a path.</summary>
    public string Registry => $"{Api.Authority}/fleet";

    public Dictionary<string, string?> Environment { get; }

    public List<string> Arguments { get; }

    public static async Task<DeployHarness> StartAsync() => new(await FakeKubernetesApi.StartAsync(), emittedColo: null);

    /// <summary>A harness over a copy of the committed <c>aspirate-output</c>, deploying <paramref name="colo"/>.</summary>
    public static async Task<DeployHarness> StartOnEmittedManifestsAsync(string colo) => new(await FakeKubernetesApi.StartAsync(), colo);

    public string ImageOf(string name) => $"{Registry}/polargrid/{name}:{Tag}";

    /// <summary>Replaces the value after <paramref name="option"/>, or removes both when <paramref name="value"/> is null.</summary>
    public void SetOption(string option, string? value)
    {
        var index = Arguments.IndexOf(option);
        if (index >= 0)
        {
            Arguments.RemoveRange(index, 2);
        }
        if (value is not null)
        {
            Arguments.AddRange([option, value]);
        }
    }

    /// <summary>An executable script in scratch (a stand-in tool) and its path.</summary>
    public string WriteTool(string name, string script)
    {
        var path = System.IO.Path.Combine(_scratch.Path, "bin", name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, script.ReplaceLineEndings("\n"));
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The deploy scripts and their stand-in tools are bash.");
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public Task<ScriptResult> RunColoAsync(bool trace = false) =>
        DeployScript.RunAsync("deploy-colo.sh", [Colo, .. Arguments], Environment, trace);

    public Task<ScriptResult> RunControlPlaneAsync(bool trace = false) =>
        DeployScript.RunAsync("deploy-controlplane.sh", Arguments, Environment, trace);

    /// <summary>Fails when any secret value, or a line of a secret key, appears in <paramref name="output"/>.</summary>
    public void AssertNoSecretIn(string output)
    {
        foreach (var secret in Secrets.NeverPrinted)
        {
            Assert.False(output.Contains(secret, StringComparison.Ordinal), $"A secret value was printed: {secret}");
        }
    }

    /// <summary>Nothing written: no secrets folder in the overlays, no work folder, and only GETs to the cluster.</summary>
    public void AssertNothingChanged()
    {
        Assert.False(Directory.Exists(System.IO.Path.Combine(ColoOverlay, "gateway", "secrets")), "colo secrets were written");
        Assert.False(Directory.Exists(System.IO.Path.Combine(ControlPlaneOverlay, "secrets")), "control-plane secrets were written");
        Assert.False(Directory.Exists(WorkRoot), "the work folder was written");
        Assert.All(Api.Requests, request => Assert.StartsWith("GET ", request));
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        _scratch.Dispose();
    }
}

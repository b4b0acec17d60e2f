using System.Security.Cryptography;
using k8s;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Kubernetes;

/// <summary>
/// Publishes the app host's graph once (the real publish command) into a scratch folder, fills every secretGenerator
/// input with a random value, and renders each overlay with <c>kubectl kustomize</c>, offline.
/// </summary>
public sealed class PublishedManifestsFixture : IAsyncLifetime
{
    private readonly ScratchDirectory _scratch = new("manifests");

    public string PublishedDirectory => Path.Combine(_scratch.Path, "published");

    public static string CommittedDirectory => Path.Combine(RepositoryPaths.Root, "aspirate-output");

    /// <summary>Overlay folder (relative, '/'-separated) → its rendered objects.</summary>
    public Dictionary<string, IReadOnlyList<object>> Rendered { get; } = new(StringComparer.Ordinal);

    /// <summary>Overlay folder → the YAML kubectl printed.</summary>
    public Dictionary<string, string> RenderedText { get; } = new(StringComparer.Ordinal);

    /// <summary>Every value written into a secretGenerator input.</summary>
    public List<string> SecretValues { get; } = [];

    public IEnumerable<string> Colos => Rendered.Keys.Where(k => k.StartsWith("colos/", StringComparison.Ordinal)).Select(k => k["colos/".Length..]);

    public async Task InitializeAsync()
    {
        var publish = await ExternalCommand.RunAsync("dotnet",
            ["run", "--project", Path.Combine(RepositoryPaths.Root, "PolarGrid.AppHost"), "--no-build", "-c", RepositoryPaths.Configuration, "--",
             "--operation", "publish", "--step", "publish", "--output-path", PublishedDirectory],
            RepositoryPaths.Root, TimeSpan.FromMinutes(3));
        Assert.True(publish.ExitCode == 0, $"publish failed ({publish.ExitCode}):\n{publish.Output}\n{publish.Error}");

        FillSecretInputs();

        var overlays = Directory.GetDirectories(Path.Combine(PublishedDirectory, "colos")).Select(d => $"colos/{Path.GetFileName(d)}")
            .Append("controlplane").Append(".");
        foreach (var overlay in overlays)
        {
            var render = await ExternalCommand.RunAsync("kubectl", ["kustomize", overlay], PublishedDirectory, TimeSpan.FromMinutes(1));
            Assert.True(render.ExitCode == 0, $"kubectl kustomize {overlay} failed:\n{render.Error}");
            RenderedText[overlay] = render.Output;
            Rendered[overlay] = KubernetesYaml.LoadAllFromString(render.Output);
        }
    }

    public Task DisposeAsync()
    {
        _scratch.Dispose();
        return Task.CompletedTask;
    }

    // The inputs are ignored files an operator (or deploy/) provides; here each gets a value no manifest could contain.
    private void FillSecretInputs()
    {
        foreach (var kustomization in Directory.EnumerateFiles(PublishedDirectory, "kustomization.yaml", SearchOption.AllDirectories))
        {
            var folder = Path.GetDirectoryName(kustomization)!;
            var document = KubernetesYaml.Deserialize<Dictionary<string, object>>(File.ReadAllText(kustomization));
            if (!document.TryGetValue("secretGenerator", out var generators))
            {
                continue;
            }
            foreach (var generator in ((IEnumerable<object>)generators).Cast<IDictionary<object, object>>())
            {
                foreach (var file in ((IEnumerable<object>)generator["files"]).Cast<string>())
                {
                    var path = Path.Combine(folder, file.Contains('=') ? file[(file.IndexOf('=') + 1)..] : file);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    var value = "s3cret-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
                    File.WriteAllText(path, value);
                    SecretValues.Add(value);
                }
            }
        }
    }
}

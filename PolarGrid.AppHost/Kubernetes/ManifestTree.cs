namespace PolarGrid.AppHost.Kubernetes;

/// <summary>One file of the emitted tree: a Kubernetes object or a kustomization, at a path relative to the output.</summary>
public sealed record ManifestFile(string Path, object Content);

/// <summary>The whole emitted tree, in the order it is written.</summary>
public sealed class ManifestTree
{
    private readonly List<ManifestFile> _files = [];

    public IReadOnlyList<ManifestFile> Files => _files;

    public void Add(string path, object content)
    {
        if (_files.Any(f => f.Path == path))
        {
            throw new InvalidOperationException($"Two manifests would be written to {path}.");
        }
        _files.Add(new ManifestFile(path, content));
    }
}

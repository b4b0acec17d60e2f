namespace PolarGrid.HubServer;

/// <summary>The repos this Hub serves, available once <see cref="RepoCatalogLoader"/> has hashed them.</summary>
public sealed class RepoCatalog
{
    private readonly TaskCompletionSource<IReadOnlyDictionary<string, RepoSnapshot>> _repos =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal void Publish(IReadOnlyDictionary<string, RepoSnapshot> repos) => _repos.TrySetResult(repos);

    internal void Fail(Exception exception) => _repos.TrySetException(exception);

    // Requests that arrive while the loader is still hashing wait instead of seeing an empty Hub.
    public async Task<RepoSnapshot?> FindAsync(string repoId, CancellationToken cancellationToken)
    {
        var repos = await _repos.Task.WaitAsync(cancellationToken);
        return repos.GetValueOrDefault(repoId);
    }

    /// <summary>Finds the files behind a CDN blob address; the same content may live in several repos.</summary>
    public async Task<IReadOnlyList<(RepoSnapshot Repo, RepoFile File)>> FindBlobAsync(string sha256, CancellationToken cancellationToken)
    {
        var repos = await _repos.Task.WaitAsync(cancellationToken);
        return [.. repos.Values.SelectMany(r => r.Files.Where(f => f.IsLfs && string.Equals(f.Sha256, sha256, StringComparison.OrdinalIgnoreCase)).Select(f => (r, f)))];
    }
}

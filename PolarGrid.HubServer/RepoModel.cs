namespace PolarGrid.HubServer;

/// <summary>One file of a repo snapshot with the hashes the Hub protocol advertises.</summary>
/// <param name="Oid">Git blob sha1 as the Hub reports it: of the content for regular files, of the LFS pointer for LFS files.</param>
/// <param name="ContentSha1">Git blob sha1 of the content itself.</param>
public sealed record RepoFile(
    string Path,
    string PhysicalPath,
    long Size,
    string Oid,
    string ContentSha1,
    string Sha256,
    bool IsLfs,
    int PointerSize,
    DateTimeOffset LastModified);

/// <summary>A repo frozen at start: the Hub's revision <c>main</c> and its commit sha are this content.</summary>
public sealed record RepoSnapshot(string Id, string Commit, IReadOnlyList<RepoFile> Files)
{
    private readonly Dictionary<string, RepoFile> _byPath = Files.ToDictionary(f => f.Path, StringComparer.Ordinal);

    public string Author => Id.Split('/')[0];

    public DateTimeOffset LastModified => Files.Count == 0 ? DateTimeOffset.UnixEpoch : Files.Max(f => f.LastModified);

    public RepoFile? Find(string path) => _byPath.GetValueOrDefault(path);

    /// <summary>Only <c>main</c> and the commit sha exist; branches, tags and PR refs are not modelled.</summary>
    public bool HasRevision(string revision) =>
        revision == "main" || string.Equals(revision, Commit, StringComparison.OrdinalIgnoreCase);
}

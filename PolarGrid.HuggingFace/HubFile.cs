using PolarGrid.Staging;

namespace PolarGrid.HuggingFace;

/// <summary>One file of a repo tree, with what a download is verified against.</summary>
/// <param name="Path">Repo-relative, <c>/</c>-separated; always <see cref="SafeRelativePath.IsSafe"/> when it came from <see cref="HubClient"/>.</param>
/// <param name="Sha256">Lowercase hex sha256 of the content for LFS files (the LFS oid); null for regular git files.</param>
/// <param name="GitBlobId">The git blob sha1: of the content for regular files (what they are verified against), of the LFS pointer for LFS files.</param>
public sealed record HubFile(string Path, long Size, string? Sha256, string GitBlobId)
{
    public bool IsLfs => Sha256 is not null;

    /// <summary>Where this file goes under <paramref name="root"/>; throws <see cref="UnsafePathException"/> for a path that would leave it.</summary>
    public string LocalPathUnder(string root) => SafeRelativePath.Combine(root, Path);
}

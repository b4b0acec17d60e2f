namespace PolarGrid.HuggingFace;

/// <summary>A repo at a revision, pinned to the commit it pointed to when asked.</summary>
/// <param name="Revision">What was asked for: a branch, tag, PR ref or commit sha.</param>
/// <param name="Commit">The 40-hex commit sha (<c>sha</c> of the model info); download by this, not by <paramref name="Revision"/>.</param>
/// <param name="Gated"><c>auto</c> or <c>manual</c> when the repo's files need accepted terms, else null.</param>
public sealed record HubRevision(string RepoId, string Revision, string Commit, bool Private, string? Gated)
{
    public bool IsGated => Gated is not null;
}

namespace PolarGrid.HuggingFace;

internal enum HubTargetKind
{
    ModelInfo,
    Tree,
    File,
}

/// <summary>What a request is about, so an error answer can be told in the caller's terms (repo, revision, file).</summary>
internal sealed record HubTarget(HubTargetKind Kind, string RepoId, string Revision, string? Path = null)
{
    public string Describe() => Kind switch
    {
        HubTargetKind.File => $"'{HubText.Printable(Path)}' of '{RepoId}' at '{Revision}'",
        HubTargetKind.Tree when Path is not null => $"the tree of '{RepoId}/{HubText.Printable(Path)}' at '{Revision}'",
        HubTargetKind.Tree => $"the tree of '{RepoId}' at '{Revision}'",
        _ => $"'{RepoId}' at '{Revision}'",
    };
}

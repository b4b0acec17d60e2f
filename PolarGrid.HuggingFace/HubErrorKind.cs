namespace PolarGrid.HuggingFace;

/// <summary>What went wrong talking to the Hub, for callers that react differently (ask for a token, wait, give up).</summary>
public enum HubErrorKind
{
    /// <summary>The repo does not exist, or it is private and the token cannot see it (the Hub does not say which).</summary>
    RepoNotFound,

    /// <summary>The repo is gated and the token is missing or not on its authorized list.</summary>
    GatedRepo,

    RevisionNotFound,

    /// <summary>A file or folder is not in the repo at that revision.</summary>
    EntryNotFound,

    /// <summary>The token was rejected or lacks permission, or the repo is disabled.</summary>
    Forbidden,

    /// <summary>Too many requests; <see cref="HubException.RetryAfter"/> says when to try again if the Hub said so.</summary>
    RateLimited,

    /// <summary>The bytes received do not match the size or hash the Hub lists for the file.</summary>
    IntegrityMismatch,

    /// <summary>The file is larger than <see cref="HubClientOptions.MaxFileBytes"/>.</summary>
    TooLarge,

    /// <summary>The Hub listed a file name that would escape the destination folder (or is otherwise not a plain relative path).</summary>
    UnsafePath,

    /// <summary>No usable answer after the retries: connection failures, timeouts or server errors.</summary>
    Unreachable,

    /// <summary>An answer the client does not understand (bad JSON, a missing commit, redirect loops, unexpected status).</summary>
    Protocol,
}

using System.Buffers;

namespace PolarGrid.HuggingFace;

/// <summary>
/// Checks repo ids and revisions before they go into a URL, so a bad one fails fast with a clear message instead of
/// as a confusing 404, and can never change which endpoint a request reaches.
/// </summary>
public static class HubIdentifiers
{
    public const int MaxRepoNameLength = 96;
    public const int MaxRevisionLength = 255;

    private static readonly SearchValues<char> RepoIdChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    // Characters git refuses in ref names (check-ref-format), plus '%' and '#' which would change the URL's meaning.
    private static readonly SearchValues<char> RevisionForbiddenChars = SearchValues.Create(" ~^:?*[\\%#");

    /// <summary>
    /// huggingface_hub's <c>validate_repo_id</c>: <c>name</c> or <c>namespace/name</c>, letters, digits, <c>-_.</c>,
    /// each part starting and ending with a letter, digit or <c>_</c>, at most 96 characters each, no <c>--</c> or
    /// <c>..</c> (the cache layout uses <c>--</c> as its separator), not ending in <c>.git</c>.
    /// </summary>
    public static bool IsValidRepoId(string? repoId)
    {
        if (string.IsNullOrEmpty(repoId) || repoId.Contains("--", StringComparison.Ordinal) || repoId.Contains("..", StringComparison.Ordinal)
            || repoId.EndsWith(".git", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var parts = repoId.Split('/');
        return parts.Length <= 2 && parts.All(IsValidRepoIdPart);
    }

    /// <summary>A branch, tag, <c>refs/pr/N</c> or commit sha, by git's ref-name rules.</summary>
    public static bool IsValidRevision(string? revision)
    {
        if (string.IsNullOrEmpty(revision) || revision.Length > MaxRevisionLength || revision == "@"
            || revision.AsSpan().ContainsAny(RevisionForbiddenChars) || revision.Any(char.IsControl)
            || revision.Contains("..", StringComparison.Ordinal) || revision.Contains("@{", StringComparison.Ordinal)
            || revision.EndsWith(".lock", StringComparison.Ordinal) || revision.EndsWith('.'))
        {
            return false;
        }

        // Also refuses a leading or trailing '/' and '//' (empty segments) and segments like ".hidden".
        return revision.Split('/').All(segment => segment.Length > 0 && segment[0] != '.');
    }

    internal static void RequireRepoId(string repoId)
    {
        if (!IsValidRepoId(repoId))
        {
            throw new ArgumentException(
                $"'{HubText.Printable(repoId)}' is not a valid Hub repo id (expected 'name' or 'namespace/name': letters, digits, '-', '_', '.', at most {MaxRepoNameLength} characters, no '--' or '..').",
                nameof(repoId));
        }
    }

    internal static void RequireRevision(string revision, string parameterName)
    {
        if (!IsValidRevision(revision))
        {
            throw new ArgumentException($"'{HubText.Printable(revision)}' is not a valid revision (branch, tag or commit sha).", parameterName);
        }
    }

    private static bool IsValidRepoIdPart(string part) =>
        part.Length is > 0 and <= MaxRepoNameLength
        && !part.AsSpan().ContainsAnyExcept(RepoIdChars)
        && IsWordChar(part[0]) && IsWordChar(part[^1]);

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}

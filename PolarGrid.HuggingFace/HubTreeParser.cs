using PolarGrid.Staging;

namespace PolarGrid.HuggingFace;

/// <summary>
/// Turns tree pages into <see cref="HubFile"/>s, refusing the whole listing at the first name that could escape a
/// destination folder: file names come from whoever controls the repo, and they become local paths.
/// </summary>
internal static class HubTreeParser
{
    public static List<HubFile> Parse(IReadOnlyList<TreeEntry?>? page, string repoId, string? subfolder)
    {
        if (page is null)
        {
            throw Protocol(repoId, "a tree page was empty JSON (null)");
        }

        var files = new List<HubFile>(page.Count);
        foreach (var entry in page)
        {
            if (entry?.Path is not { } path)
            {
                throw Protocol(repoId, "a tree entry has no path");
            }

            // Directories are checked too: a folder named ".." is as much an attack as a file under it.
            if (!SafeRelativePath.IsSafe(path))
            {
                throw new HubException(
                    HubErrorKind.UnsafePath,
                    $"Repository '{repoId}' lists an unsafe file name '{HubText.Printable(path)}' (absolute, '..', backslash, colon or control characters); nothing from this listing is used.",
                    innerException: new UnsafePathException(path));
            }

            if (subfolder is not null && !path.StartsWith(subfolder + "/", StringComparison.Ordinal))
            {
                throw Protocol(repoId, $"'{HubText.Printable(path)}' was listed for folder '{subfolder}' but is outside it");
            }

            if (entry.Type == "file")
            {
                files.Add(ToFile(entry, path, repoId));
            }
        }

        return files;
    }

    private static HubFile ToFile(TreeEntry entry, string path, string repoId)
    {
        if (entry.Oid?.ToLowerInvariant() is not { } oid || !IsLowerHex(oid, 40))
        {
            throw Protocol(repoId, $"file '{HubText.Printable(path)}' has no valid git blob id");
        }

        if (entry.Lfs is { } lfs)
        {
            var sha256 = lfs.Oid?.ToLowerInvariant();
            if (sha256 is null || !IsLowerHex(sha256, 64) || lfs.Size is not >= 0)
            {
                throw Protocol(repoId, $"LFS file '{HubText.Printable(path)}' has no valid sha256 or size");
            }

            return new HubFile(path, lfs.Size.Value, sha256, oid);
        }

        return entry.Size is >= 0
            ? new HubFile(path, entry.Size.Value, null, oid)
            : throw Protocol(repoId, $"file '{HubText.Printable(path)}' has no valid size");
    }

    private static bool IsLowerHex(string value, int length) =>
        value.Length == length && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static HubException Protocol(string repoId, string problem) =>
        new(HubErrorKind.Protocol, $"The tree listing of '{repoId}' is not usable: {problem}.");
}

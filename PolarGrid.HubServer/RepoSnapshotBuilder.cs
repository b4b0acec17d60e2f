using System.Text;

namespace PolarGrid.HubServer;

/// <summary>Turns a folder into a repo snapshot with Hub-compatible hashes and a deterministic commit sha.</summary>
public static class RepoSnapshotBuilder
{
    private static readonly HashSet<string> LfsExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".onnx", ".data", ".bin", ".safetensors", ".pt", ".gguf",
    };

    public static async Task<RepoSnapshot> BuildAsync(string repoId, string folder, long lfsThresholdBytes, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Folder '{root}' configured for repo '{repoId}' does not exist.");
        }

        // Symlinks are skipped so a link inside the folder cannot expose files outside it; dot files are kept
        // because real repos carry .gitattributes.
        var enumeration = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = true,
        };

        var files = new List<RepoFile>();
        foreach (var physical in Directory.EnumerateFiles(root, "*", enumeration))
        {
            var relative = Path.GetRelativePath(root, physical).Replace(Path.DirectorySeparatorChar, '/');
            if (relative.Split('/').Contains(".git") || !RepoPaths.TryNormalize(relative, out _))
            {
                continue;
            }

            var info = new FileInfo(physical);
            var (contentSha1, sha256) = await GitHashing.HashFileAsync(physical, cancellationToken);
            var isLfs = info.Length >= lfsThresholdBytes || LfsExtensions.Contains(Path.GetExtension(physical));
            var pointer = Encoding.ASCII.GetBytes(GitHashing.LfsPointer(sha256, info.Length));
            files.Add(new RepoFile(
                relative,
                physical,
                info.Length,
                isLfs ? GitHashing.GitBlobSha1(pointer) : contentSha1,
                contentSha1,
                sha256,
                isLfs,
                pointer.Length,
                new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero)));
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        var manifest = new StringBuilder(repoId).Append('\n');
        foreach (var file in files)
        {
            manifest.Append(file.Path).Append('\0').Append(file.Oid).Append('\0').Append(file.Sha256).Append('\n');
        }

        return new RepoSnapshot(repoId, GitHashing.Sha1Hex(manifest.ToString()), files);
    }
}

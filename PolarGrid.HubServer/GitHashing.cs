using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace PolarGrid.HubServer;

/// <summary>The hashes git and git-lfs use, which huggingface_hub compares against what it downloads.</summary>
public static class GitHashing
{
    // Several servers in one test process hash the same 91 MB MiniLM copy; hashing it once saves seconds per start.
    private static readonly ConcurrentDictionary<(string Path, long Size, DateTime Modified), (string Sha1, string Sha256)> Cache = new();

    public static async Task<(string GitSha1, string Sha256)> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc);
        if (Cache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha1.AppendData(Encoding.ASCII.GetBytes($"blob {info.Length}\0"));

        var buffer = new byte[81920];
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            sha1.AppendData(buffer, 0, read);
            sha256.AppendData(buffer, 0, read);
        }

        var result = (Convert.ToHexStringLower(sha1.GetHashAndReset()), Convert.ToHexStringLower(sha256.GetHashAndReset()));
        Cache[key] = result;
        return result;
    }

    public static string GitBlobSha1(ReadOnlySpan<byte> content)
    {
        var header = Encoding.ASCII.GetBytes($"blob {content.Length}\0");
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(header);
        sha1.AppendData(content);
        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }

    /// <summary>The pointer file git-lfs commits in place of the content; the Hub's blob id of an LFS file is this pointer's sha1.</summary>
    public static string LfsPointer(string sha256, long size) =>
        $"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n";

    public static string Sha1Hex(string text) =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));
}

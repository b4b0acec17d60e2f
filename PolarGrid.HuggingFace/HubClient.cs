using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PolarGrid.Staging;

namespace PolarGrid.HuggingFace;

/// <summary>
/// Downloads model repos from the Hugging Face Hub (or anything speaking its protocol, such as the local Hub):
/// resolve a revision to a commit, list the files at that commit, download each one verified. Register it with
/// <see cref="HubServiceCollectionExtensions.AddHuggingFaceHub"/>.
/// </summary>
public sealed class HubClient
{
    // A runaway paginator (or a hostile one) must not list forever.
    private const int MaxTreePages = 10_000;

    private readonly HubClientOptions _options;
    private readonly HubUrls _urls;
    private readonly HubHttp _http;
    private readonly HubRetry _retry;
    private readonly HubDownloader _downloader;
    private readonly ILogger _logger;

    public HubClient(HttpClient httpClient, IOptions<HubClientOptions> options, TimeProvider time, ILogger<HubClient> logger)
    {
        _options = options.Value;
        _logger = logger;
        _urls = new HubUrls(_options.Endpoint);
        _http = new HubHttp(httpClient, _options, _urls, new HubErrorMapper(_urls, _options.HasToken, time), time);
        _retry = new HubRetry(_options, time, logger);
        _downloader = new HubDownloader(_http, _urls, _retry, _options, time, logger);
    }

    /// <summary>The Hub this client talks to.</summary>
    public Uri Endpoint => _urls.Endpoint;

    /// <summary>Resolves <paramref name="revision"/> (branch, tag, <c>refs/pr/N</c> or sha) to the commit it points to now.</summary>
    /// <exception cref="ArgumentException">The repo id or revision is malformed; nothing was sent.</exception>
    /// <exception cref="HubException">RepoNotFound, RevisionNotFound, RateLimited, Unreachable, Protocol, ...</exception>
    public async Task<HubRevision> ResolveAsync(string repoId, string revision, CancellationToken cancellationToken)
    {
        HubIdentifiers.RequireRepoId(repoId);
        HubIdentifiers.RequireRevision(revision, nameof(revision));

        var target = new HubTarget(HubTargetKind.ModelInfo, repoId, revision);
        var info = await _retry.RunAsync(target, async token =>
        {
            using var response = await _http.GetAsync(_urls.ModelInfo(repoId, revision), target, 0, token);
            return await ReadJsonAsync(response, HubJsonContext.Default.ModelInfoResponse, target, token);
        }, cancellationToken);

        if (info?.Sha is not { Length: 40 } sha || !sha.All(char.IsAsciiHexDigit))
        {
            throw new HubException(HubErrorKind.Protocol, $"The model info of {target.Describe()} has no commit sha.");
        }

        var gated = info.Gated.ValueKind == JsonValueKind.String ? info.Gated.GetString() : null;
        var commit = sha.ToLowerInvariant();
        HubLog.Resolved(_logger, repoId, revision, commit);
        return new HubRevision(repoId, revision, commit, info.Private ?? false, gated);
    }

    /// <summary>
    /// Asks for <paramref name="file"/> and drops the answer once its headers arrive: gated repositories show their
    /// model info and tree to anyone, so this is how a caller learns up front whether the token may download.
    /// </summary>
    /// <exception cref="HubException">GatedRepo, Forbidden, EntryNotFound, RateLimited, Unreachable, ...</exception>
    public async Task CheckAccessAsync(string repoId, string commit, HubFile file, CancellationToken cancellationToken)
    {
        HubIdentifiers.RequireRepoId(repoId);
        HubIdentifiers.RequireRevision(commit, nameof(commit));
        ArgumentNullException.ThrowIfNull(file);

        var target = new HubTarget(HubTargetKind.File, repoId, commit, file.Path);
        await _retry.RunAsync(target, async token =>
        {
            using var response = await _http.GetAsync(_urls.Resolve(repoId, commit, file.Path), target, 0, token);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Every file of the repo at <paramref name="commit"/> (or under <paramref name="subfolder"/>), with sizes and hashes,
    /// following the tree's pagination. Any unsafe name fails the whole listing with <see cref="HubErrorKind.UnsafePath"/>.
    /// </summary>
    public async Task<IReadOnlyList<HubFile>> ListFilesAsync(string repoId, string commit, string? subfolder, CancellationToken cancellationToken)
    {
        HubIdentifiers.RequireRepoId(repoId);
        HubIdentifiers.RequireRevision(commit, nameof(commit));
        subfolder = string.IsNullOrEmpty(subfolder) ? null : subfolder.TrimEnd('/');
        if (subfolder is not null && !SafeRelativePath.IsSafe(subfolder))
        {
            throw new ArgumentException($"'{HubText.Printable(subfolder)}' is not a relative folder path in a repo.", nameof(subfolder));
        }

        var target = new HubTarget(HubTargetKind.Tree, repoId, commit, subfolder);
        var files = new List<HubFile>();
        var paths = new HashSet<string>(StringComparer.Ordinal);
        var visited = new HashSet<string>(StringComparer.Ordinal);
        Uri? url = _urls.Tree(repoId, commit, subfolder);
        while (url is not null)
        {
            if (!visited.Add(url.AbsoluteUri) || visited.Count > MaxTreePages)
            {
                throw new HubException(HubErrorKind.Protocol, $"The pagination of {target.Describe()} loops or never ends.");
            }

            var pageUrl = url;
            var (page, next) = await _retry.RunAsync(target, async token =>
            {
                using var response = await _http.GetAsync(pageUrl, target, 0, token);
                var entries = await ReadJsonAsync(response, HubJsonContext.Default.TreeEntryArray, target, token);
                return (entries, LinkHeader.Next(response, pageUrl));
            }, cancellationToken);

            foreach (var file in HubTreeParser.Parse(page, repoId, subfolder))
            {
                files.Add(paths.Add(file.Path) ? file : throw new HubException(HubErrorKind.Protocol,
                    $"The tree of '{repoId}' lists '{HubText.Printable(file.Path)}' twice."));
            }

            // The next page gets the token, so it must be on the Hub itself.
            if (next is not null && !_urls.IsHub(next))
            {
                throw new HubException(HubErrorKind.Protocol, $"The pagination of {target.Describe()} points off the Hub, to {next.Host}.");
            }

            url = next;
        }

        HubLog.Listed(_logger, files.Count, repoId, commit, visited.Count);
        return files;
    }

    /// <summary>
    /// Downloads <paramref name="file"/> to <paramref name="destinationPath"/>, which afterwards holds the verified
    /// content or nothing new. A <c>.incomplete</c> file beside it (from a failed or cancelled earlier call) is resumed.
    /// </summary>
    /// <param name="commit">The commit from <see cref="ResolveAsync"/>, so every file comes from the same snapshot.</param>
    /// <param name="bytesProgress">Receives the number of bytes of this file on disk so far (it drops to 0 on a restart), from a background thread.</param>
    /// <exception cref="HubException">TooLarge (before any request), UnsafePath, IntegrityMismatch (partial deleted), GatedRepo, ...</exception>
    public async Task DownloadAsync(string repoId, string commit, HubFile file, string destinationPath, IProgress<long>? bytesProgress,
        CancellationToken cancellationToken)
    {
        HubIdentifiers.RequireRepoId(repoId);
        HubIdentifiers.RequireRevision(commit, nameof(commit));
        ArgumentNullException.ThrowIfNull(file);
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);

        if (!SafeRelativePath.IsSafe(file.Path))
        {
            throw new HubException(HubErrorKind.UnsafePath, $"'{HubText.Printable(file.Path)}' is not a safe file name; it was not downloaded.",
                innerException: new UnsafePathException(file.Path));
        }

        if (file.Size > _options.MaxFileBytes)
        {
            throw new HubException(HubErrorKind.TooLarge,
                $"'{HubText.Printable(file.Path)}' of '{repoId}' is {file.Size} bytes, above the limit of {_options.MaxFileBytes} bytes ({HubClientOptions.SectionName}:{nameof(HubClientOptions.MaxFileBytes)}); it was not downloaded.");
        }

        await _downloader.DownloadAsync(repoId, commit, file, destinationPath, bytesProgress, cancellationToken);
    }

    private static async Task<T?> ReadJsonAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, HubTarget target, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(type, cancellationToken);
        }
        catch (JsonException error)
        {
            throw new HubException(HubErrorKind.Protocol, $"The Hub's answer for {target.Describe()} is not the JSON expected: {error.Message}",
                (int)response.StatusCode, innerException: error);
        }
        catch (Exception error) when (error is IOException or HttpRequestException)
        {
            throw new HubTransientException($"the answer for {target.Describe()} was cut off: {error.Message}", innerException: error);
        }
    }
}

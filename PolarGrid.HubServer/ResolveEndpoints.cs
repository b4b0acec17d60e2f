using System.Globalization;

namespace PolarGrid.HubServer;

/// <summary><c>/{org}/{name}/resolve/{rev}/{path}</c>: file downloads, LFS files via a redirect to the CDN host.</summary>
public static partial class ResolveEndpoints
{
    public static IEndpointRouteBuilder MapResolve(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods("/{org}/{name}/resolve/{revision}/{**path}", [HttpMethods.Get, HttpMethods.Head], ResolveAsync);
        return endpoints;
    }

    private static async Task<IResult> ResolveAsync(
        HttpContext context, string org, string name, string revision, string? path,
        RepoAccess access, CdnLinkSigner signer, FaultInjector faults, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        revision = Uri.UnescapeDataString(revision);
        var (repo, error) = await access.FindAtRevisionAsync(context.Request, $"{org}/{name}", revision, cancellationToken);
        if (repo is null)
        {
            return error!;
        }

        if (access.CheckGate(context.Request, repo) is { } gated)
        {
            return gated;
        }

        // Every header from here on names the commit, which huggingface_hub uses to lay out its cache.
        context.Response.Headers["X-Repo-Commit"] = repo.Commit;
        if (!RepoPaths.TryNormalize(path, out var normalized) || repo.Find(normalized) is not { } file)
        {
            return HubErrors.EntryNotFound(repo.Id, path);
        }

        if (file.IsLfs)
        {
            var link = signer.CreateLink(file.Sha256);
            context.Response.Headers.ETag = $"\"{file.Oid}\"";
            context.Response.Headers["X-Linked-Etag"] = $"\"{file.Sha256}\"";
            context.Response.Headers["X-Linked-Size"] = file.Size.ToString(CultureInfo.InvariantCulture);
            LogRedirect(loggerFactory.CreateLogger(typeof(ResolveEndpoints)), repo.Id, file.Path, file.Sha256);
            return Results.Redirect(link.AbsoluteUri);
        }

        return FileContent.Send(file, file.Oid, faults.IsCorrupt(repo, file));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Redirecting {RepoId}/{Path} to CDN blob {Sha256}")]
    private static partial void LogRedirect(ILogger logger, string repoId, string path, string sha256);
}

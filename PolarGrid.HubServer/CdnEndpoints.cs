namespace PolarGrid.HubServer;

/// <summary>The stand-in CDN: <c>/lfs/{sha256}</c> on its own port, serving LFS blobs behind signed links.</summary>
public static partial class CdnEndpoints
{
    public static IEndpointRouteBuilder MapCdn(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods("/lfs/{sha256}", [HttpMethods.Get, HttpMethods.Head], GetBlobAsync);
        return endpoints;
    }

    private static async Task<IResult> GetBlobAsync(
        HttpContext context, string sha256, string? expires, string? signature,
        RepoCatalog catalog, CdnLinkSigner signer, FaultInjector faults, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(typeof(CdnEndpoints));

        // A client that forwards the Hub token across hosts leaks it to a third party; fail loudly so tests catch it.
        if (context.Request.Headers.ContainsKey("Authorization"))
        {
            LogAuthorizationLeak(logger, sha256);
            return HubErrors.Error(StatusCodes.Status400BadRequest, null, "Authorization header must not be sent to the CDN");
        }

        if (!signer.IsValid(sha256, expires, signature))
        {
            return HubErrors.Error(StatusCodes.Status403Forbidden, null, "Request has expired or its signature is invalid");
        }

        var matches = await catalog.FindBlobAsync(sha256, cancellationToken);
        if (matches.Count == 0)
        {
            return HubErrors.Error(StatusCodes.Status404NotFound, null, "Blob not found");
        }

        var (repo, file) = matches[0];
        var corrupt = matches.Any(m => faults.IsCorrupt(m.Repo, m.File));
        if (HttpMethods.IsGet(context.Request.Method) && faults.TruncationFor(file.Sha256) is { } cutAfter)
        {
            LogTruncating(logger, repo.Id, file.Path, cutAfter);
            await FileContent.SendTruncatedAsync(context, file, file.Sha256, cutAfter, corrupt);
            return Results.Empty;
        }

        return FileContent.Send(file, file.Sha256, corrupt, faults.CdnBytesPerSecond);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused CDN request for blob {Sha256}: it carried an Authorization header")]
    private static partial void LogAuthorizationLeak(ILogger logger, string sha256);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fault: cutting first download of {RepoId}/{Path} after {Bytes} bytes")]
    private static partial void LogTruncating(ILogger logger, string repoId, string path, long bytes);
}

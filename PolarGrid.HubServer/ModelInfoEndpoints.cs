namespace PolarGrid.HubServer;

/// <summary><c>/api/models/{org}/{name}[/revision/{rev}]</c>: what <c>HfApi.model_info</c> reads.</summary>
public static class ModelInfoEndpoints
{
    public static IEndpointRouteBuilder MapModelInfo(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/models/{org}/{name}", (HttpContext context, string org, string name, bool? blobs, RepoAccess access, CancellationToken cancellationToken) =>
            GetAsync(context, $"{org}/{name}", "main", blobs ?? false, access, cancellationToken));
        endpoints.MapGet("/api/models/{org}/{name}/revision/{revision}", (HttpContext context, string org, string name, string revision, bool? blobs, RepoAccess access, CancellationToken cancellationToken) =>
            GetAsync(context, $"{org}/{name}", Uri.UnescapeDataString(revision), blobs ?? false, access, cancellationToken));
        return endpoints;
    }

    private static async Task<IResult> GetAsync(HttpContext context, string repoId, string revision, bool blobs, RepoAccess access, CancellationToken cancellationToken)
    {
        var (repo, error) = await access.FindAtRevisionAsync(context.Request, repoId, revision, cancellationToken);
        if (repo is null)
        {
            return error!;
        }

        var siblings = repo.Files.Select(f => blobs
            ? new Dictionary<string, object?>
            {
                ["rfilename"] = f.Path,
                ["size"] = f.Size,
                ["blobId"] = f.Oid,
                ["lfs"] = f.IsLfs ? new { sha256 = f.Sha256, size = f.Size, pointerSize = f.PointerSize } : null,
            }.Where(p => p.Value is not null).ToDictionary()
            : new Dictionary<string, object?> { ["rfilename"] = f.Path });

        object gated = access.IsGated(repo.Id) ? "manual" : false;
        context.Response.Headers["X-Repo-Commit"] = repo.Commit;
        return Results.Json(new Dictionary<string, object?>
        {
            ["_id"] = repo.Commit[..24],
            ["id"] = repo.Id,
            ["modelId"] = repo.Id,
            ["author"] = repo.Author,
            ["sha"] = repo.Commit,
            ["lastModified"] = repo.LastModified.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
            ["createdAt"] = repo.LastModified.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
            ["private"] = access.IsPrivate(repo.Id),
            ["gated"] = gated,
            ["disabled"] = false,
            ["downloads"] = 0,
            ["likes"] = 0,
            ["tags"] = Array.Empty<string>(),
            ["siblings"] = siblings.ToArray(),
            ["usedStorage"] = repo.Files.Sum(f => f.Size),
        });
    }
}

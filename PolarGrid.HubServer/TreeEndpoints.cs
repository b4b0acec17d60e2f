using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace PolarGrid.HubServer;

/// <summary><c>/api/models/{org}/{name}/tree/{rev}[/{path}]</c>: the paginated listing <c>list_repo_tree</c> walks via Link headers.</summary>
public static class TreeEndpoints
{
    public static IEndpointRouteBuilder MapTree(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/models/{org}/{name}/tree/{revision}/{**path}", ListAsync);
        return endpoints;
    }

    private static async Task<IResult> ListAsync(
        HttpContext context, string org, string name, string revision, string? path, bool? recursive, string? cursor,
        RepoAccess access, IOptions<HubOptions> options, CancellationToken cancellationToken)
    {
        revision = Uri.UnescapeDataString(revision);
        var (repo, error) = await access.FindAtRevisionAsync(context.Request, $"{org}/{name}", revision, cancellationToken);
        if (repo is null)
        {
            return error!;
        }

        var prefix = string.Empty;
        if (!string.IsNullOrEmpty(path = path?.TrimEnd('/')))
        {
            if (!RepoPaths.TryNormalize(path, out var normalized) || !repo.Files.Any(f => f.Path.StartsWith(normalized + "/", StringComparison.Ordinal)))
            {
                return HubErrors.EntryNotFound(repo.Id, path);
            }

            prefix = normalized + "/";
        }

        var entries = Entries(repo, prefix, recursive ?? false);
        var offset = DecodeCursor(cursor);
        if (offset is null || offset > entries.Count)
        {
            return HubErrors.Error(StatusCodes.Status400BadRequest, null, "Invalid cursor");
        }

        var pageSize = Math.Max(1, options.Value.TreePageSize);
        var page = entries.Skip(offset.Value).Take(pageSize).ToArray();
        if (offset.Value + page.Length < entries.Count)
        {
            context.Response.Headers.Link = $"<{NextPageUrl(context.Request, offset.Value + page.Length)}>; rel=\"next\"";
        }

        context.Response.Headers["X-Repo-Commit"] = repo.Commit;
        return Results.Json(page);
    }

    private static List<object> Entries(RepoSnapshot repo, string prefix, bool recursive)
    {
        var files = repo.Files.Where(f => f.Path.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var directories = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var segments = file.Path[prefix.Length..].Split('/');
            for (var depth = 1; depth < segments.Length && (recursive || depth == 1); depth++)
            {
                directories.Add(prefix + string.Join('/', segments[..depth]));
            }
        }

        var result = new List<(string Path, object Entry)>();
        foreach (var directory in directories)
        {
            result.Add((directory, new { type = "directory", oid = DirectoryOid(repo, directory), path = directory }));
        }

        foreach (var file in files.Where(f => recursive || !f.Path[prefix.Length..].Contains('/')))
        {
            object entry = file.IsLfs
                ? new { type = "file", oid = file.Oid, size = file.Size, path = file.Path, lfs = new { oid = file.Sha256, size = file.Size, pointerSize = file.PointerSize } }
                : new { type = "file", oid = file.Oid, size = file.Size, path = file.Path };
            result.Add((file.Path, entry));
        }

        return [.. result.OrderBy(e => e.Path, StringComparer.Ordinal).Select(e => e.Entry)];
    }

    // Not git's real tree hash, but stable and content-derived, which is all clients rely on.
    private static string DirectoryOid(RepoSnapshot repo, string directory)
    {
        var manifest = new StringBuilder("tree ").Append(directory).Append('\n');
        foreach (var file in repo.Files.Where(f => f.Path.StartsWith(directory + "/", StringComparison.Ordinal)))
        {
            manifest.Append(file.Path).Append('\0').Append(file.Oid).Append('\n');
        }

        return GitHashing.Sha1Hex(manifest.ToString());
    }

    // Opaque to clients (like the Hub's), so the paging scheme can change without breaking them.
    private static string EncodeCursor(int offset) =>
        WebEncoders.Base64UrlEncode(Encoding.ASCII.GetBytes(offset.ToString(CultureInfo.InvariantCulture)));

    private static int? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return 0;
        }

        try
        {
            return int.TryParse(Encoding.ASCII.GetString(WebEncoders.Base64UrlDecode(cursor)), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string NextPageUrl(HttpRequest request, int offset)
    {
        var query = QueryHelpers.ParseQuery(request.QueryString.Value)
            .Where(q => !string.Equals(q.Key, "cursor", StringComparison.OrdinalIgnoreCase))
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
            .Append(new KeyValuePair<string, string?>("cursor", EncodeCursor(offset)));
        return QueryHelpers.AddQueryString($"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}", query);
    }
}

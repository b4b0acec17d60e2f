using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace PolarGrid.HubServer;

/// <summary>Decides who sees a repo (private) and who may download its files (gated), from bearer tokens.</summary>
public sealed class RepoAccess(RepoCatalog catalog, IOptions<HubOptions> options)
{
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    public bool IsPrivate(string repoId) => options.Value.Private.ContainsKey(repoId);

    public bool IsGated(string repoId) => options.Value.Gated.ContainsKey(repoId);

    /// <summary>Finds a repo the caller may see, or the RepoNotFound answer the Hub gives (which hides private repos).</summary>
    public async Task<(RepoSnapshot? Repo, IResult? Error)> FindVisibleAsync(HttpRequest request, string repoId, CancellationToken cancellationToken)
    {
        var token = BearerToken(request);
        var repo = await catalog.FindAsync(repoId, cancellationToken);
        if (repo is null || (options.Value.Private.TryGetValue(repoId, out var readers) && !Allowed(readers, token)))
        {
            return (null, HubErrors.RepoNotFound(token is not null));
        }

        return (repo, null);
    }

    /// <summary>
    /// A visible repo at a revision the Hub knows (revision already URL-decoded), or the Hub's error: RepoNotFound first,
    /// then RevisionNotFound.
    /// </summary>
    public async Task<(RepoSnapshot? Repo, IResult? Error)> FindAtRevisionAsync(HttpRequest request, string repoId, string revision,
        CancellationToken cancellationToken)
    {
        var (repo, error) = await FindVisibleAsync(request, repoId, cancellationToken);
        if (repo is null)
        {
            return (null, error);
        }
        return repo.HasRevision(revision) ? (repo, null) : (null, HubErrors.RevisionNotFound(revision));
    }

    /// <summary>The gate on file downloads; model info and tree stay readable, as on the Hub.</summary>
    public IResult? CheckGate(HttpRequest request, RepoSnapshot repo)
    {
        if (!options.Value.Gated.TryGetValue(repo.Id, out var allowed))
        {
            return null;
        }

        var token = BearerToken(request);
        if (token is null)
        {
            return HubErrors.GatedAnonymous(repo.Id);
        }

        return Allowed(allowed, token) ? null : HubErrors.GatedForbidden(repo.Id);
    }

    // Fixed-time comparison so response timing does not leak how much of a token was right.
    private static bool Allowed(string[]? tokens, string? token) =>
        token is not null && (tokens ?? []).Any(t => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(t), Encoding.UTF8.GetBytes(token)));
}

using System.Net;

namespace PolarGrid.HuggingFace;

/// <summary>
/// Turns an error answer into what huggingface_hub's <c>hf_raise_for_status</c> would raise: the <c>X-Error-Code</c>
/// header decides first, then the status code. Server errors come back as <see cref="HubTransientException"/> to retry.
/// </summary>
internal sealed class HubErrorMapper(HubUrls urls, bool hasToken, TimeProvider time)
{
    // What the Hub answers when the token itself is unknown, as opposed to a repo the token cannot see.
    private const string InvalidCredentials = "Invalid credentials in Authorization header";
    private const string Disabled = "Access to this resource is disabled.";
    private const string TokenHint = "set HuggingFace:Token or HF_TOKEN";

    public Exception Map(HttpResponseMessage response, Uri url, HubTarget target)
    {
        var status = (int)response.StatusCode;
        var errorCode = Header(response, "X-Error-Code");
        var serverMessage = Header(response, "X-Error-Message");
        var repo = target.RepoId;

        switch (errorCode)
        {
            case "RepoNotFound":
                return RepoNotFound(repo, status);
            case "GatedRepo":
                return Gated(repo, status);
            case "RevisionNotFound":
                return new HubException(HubErrorKind.RevisionNotFound, $"Revision '{target.Revision}' does not exist in repository '{repo}'.", status);
            case "EntryNotFound":
                return EntryNotFound(target, status);
        }

        if (serverMessage == Disabled)
        {
            return new HubException(HubErrorKind.Forbidden, $"Repository '{repo}' is disabled on the Hub.", status);
        }

        var onHub = urls.IsHub(url);
        return response.StatusCode switch
        {
            // huggingface_hub reads any 401 on a repo URL as "missing or private": the Hub hides private repos that way.
            HttpStatusCode.Unauthorized when onHub && serverMessage != InvalidCredentials => RepoNotFound(repo, status),
            HttpStatusCode.Unauthorized => new HubException(HubErrorKind.Forbidden,
                $"The Hub rejected the configured token (invalid credentials) while fetching {target.Describe()}; check {TokenHint}.", status),
            HttpStatusCode.Forbidden when onHub => new HubException(HubErrorKind.Forbidden,
                $"Access to {target.Describe()} was refused (HTTP 403): the configured token lacks the permission.", status),
            HttpStatusCode.Forbidden => new HubException(HubErrorKind.Forbidden,
                $"The download host {url.Host} refused the link for {target.Describe()} (HTTP 403).", status),
            HttpStatusCode.NotFound when target.Kind == HubTargetKind.File || target.Path is not null => EntryNotFound(target, status),
            HttpStatusCode.NotFound => RepoNotFound(repo, status),
            HttpStatusCode.TooManyRequests => RateLimited(response, target),
            HttpStatusCode.RequestTimeout or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
                or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => new HubTransientException(
                    $"HTTP {status} from {url.Host}", status, RetryAfter(response)),
            _ => new HubException(HubErrorKind.Protocol,
                $"Unexpected HTTP {status} from {url.Host} for {target.Describe()}: {HubText.Printable(serverMessage)}", status),
        };
    }

    private HubException RepoNotFound(string repo, int status) => new(
        HubErrorKind.RepoNotFound,
        hasToken
            ? $"Repository '{repo}' was not found on {urls.Endpoint.Host}, or it is private and the configured token cannot see it."
            : $"Repository '{repo}' was not found on {urls.Endpoint.Host}, or it is private and no token is configured ({TokenHint}).",
        status);

    private HubException Gated(string repo, int status) => new(
        HubErrorKind.GatedRepo,
        hasToken
            ? $"Repository '{repo}' is gated: the configured token is not authorized; request access at {urls.RepoPage(repo)}."
            : $"Repository '{repo}' is gated: no token is configured ({TokenHint}); request access at {urls.RepoPage(repo)}, then configure a token of an authorized account.",
        status);

    private static HubException EntryNotFound(HubTarget target, int status) => new(
        HubErrorKind.EntryNotFound,
        target.Kind == HubTargetKind.Tree
            ? $"Folder '{HubText.Printable(target.Path)}' does not exist in repository '{target.RepoId}' at '{target.Revision}'."
            : $"File '{HubText.Printable(target.Path)}' does not exist in repository '{target.RepoId}' at '{target.Revision}'.",
        status);

    private HubException RateLimited(HttpResponseMessage response, HubTarget target)
    {
        var retryAfter = RetryAfter(response);
        var when = retryAfter is { } wait ? $"retry after {wait.TotalSeconds:0.#} s" : "retry later";
        return new HubException(HubErrorKind.RateLimited,
            $"The Hub rate-limited the request for {target.Describe()} (HTTP 429); {when}{(hasToken ? "." : ", or configure a token for a higher limit.")}",
            (int)response.StatusCode, retryAfter);
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > time.GetUtcNow() ? date - time.GetUtcNow() : TimeSpan.Zero,
        _ => null,
    };

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}

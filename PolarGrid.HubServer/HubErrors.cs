namespace PolarGrid.HubServer;

/// <summary>
/// Error answers shaped like the Hub's: huggingface_hub maps <c>X-Error-Code</c> to its exception types
/// (RepositoryNotFoundError, GatedRepoError, ...), so the header matters more than the status code.
/// </summary>
public static class HubErrors
{
    public static IResult Error(int statusCode, string? errorCode, string message) => new HubErrorResult(statusCode, errorCode, message);

    public static IResult RepoNotFound(bool authenticated) => Error(
        authenticated ? StatusCodes.Status404NotFound : StatusCodes.Status401Unauthorized,
        "RepoNotFound",
        "Repository not found");

    public static IResult RevisionNotFound(string revision) =>
        Error(StatusCodes.Status404NotFound, "RevisionNotFound", $"Invalid rev id: {revision}");

    public static IResult EntryNotFound(string repoId, string? path) =>
        Error(StatusCodes.Status404NotFound, "EntryNotFound", $"Entry not found: {path} in {repoId}");

    public static IResult GatedAnonymous(string repoId) => Error(
        StatusCodes.Status401Unauthorized,
        "GatedRepo",
        $"Access to model {repoId} is restricted. You must have access to it and be authenticated to access it. Please log in.");

    public static IResult GatedForbidden(string repoId) => Error(
        StatusCodes.Status403Forbidden,
        "GatedRepo",
        $"Access to model {repoId} is restricted and you are not in the authorized list. Visit https://huggingface.co/{repoId} to ask for access.");

    private sealed class HubErrorResult(int statusCode, string? errorCode, string message) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = statusCode;
            if (errorCode is not null)
            {
                httpContext.Response.Headers["X-Error-Code"] = errorCode;
            }

            httpContext.Response.Headers["X-Error-Message"] = message;
            return httpContext.Response.WriteAsJsonAsync(new { error = message }, httpContext.RequestAborted);
        }
    }
}

using PolarGrid.Gateway.OpenAI;
using PolarGrid.HuggingFace;

namespace PolarGrid.Gateway.Deployment;

/// <summary>What the caller of <c>/v1/models/load</c> hears when the Hub says no.</summary>
public static class HubErrors
{
    public static OpenAIException ToOpenAI(HubException error) => error.Kind switch
    {
        HubErrorKind.RepoNotFound => new(StatusCodes.Status404NotFound, error.Message, "invalid_request_error", "model", "repo_not_found"),
        HubErrorKind.RevisionNotFound => new(StatusCodes.Status404NotFound, error.Message, "invalid_request_error", "revision", "revision_not_found"),
        HubErrorKind.EntryNotFound => new(StatusCodes.Status404NotFound, error.Message, "invalid_request_error", "subfolder", "file_not_found"),
        HubErrorKind.GatedRepo => new(StatusCodes.Status403Forbidden, error.Message, "permission_error", "model", "gated_repo"),
        HubErrorKind.Forbidden => new(StatusCodes.Status403Forbidden, error.Message, "permission_error", "model", "hub_forbidden"),
        HubErrorKind.RateLimited => new(StatusCodes.Status429TooManyRequests, error.Message, "rate_limit_error", null, "hub_rate_limited")
        {
            RetryAfter = error.RetryAfter ?? TimeSpan.FromSeconds(60),
        },
        HubErrorKind.UnsafePath or HubErrorKind.TooLarge => new(StatusCodes.Status422UnprocessableEntity, error.Message, "invalid_request_error", "model", Code(error.Kind)),
        _ => new(StatusCodes.Status502BadGateway, error.Message, "server_error", null, Code(error.Kind)),
    };

    /// <summary>The machine code a failed job reports.</summary>
    public static string Code(HubErrorKind kind) => kind switch
    {
        HubErrorKind.RepoNotFound => "repo_not_found",
        HubErrorKind.RevisionNotFound => "revision_not_found",
        HubErrorKind.EntryNotFound => "file_not_found",
        HubErrorKind.GatedRepo => "gated_repo",
        HubErrorKind.Forbidden => "hub_forbidden",
        HubErrorKind.RateLimited => "hub_rate_limited",
        HubErrorKind.IntegrityMismatch => "hash_mismatch",
        HubErrorKind.TooLarge => "file_too_large",
        HubErrorKind.UnsafePath => "unsafe_path",
        HubErrorKind.Unreachable => "hub_unreachable",
        _ => "hub_error",
    };
}

namespace PolarGrid.HuggingFace;

/// <summary>
/// A failed Hub operation. The message is written for an operator (what, which repo, what to do) and never contains
/// the token.
/// </summary>
public sealed class HubException(
    HubErrorKind kind,
    string message,
    int? statusCode = null,
    TimeSpan? retryAfter = null,
    Exception? innerException = null) : Exception(message, innerException)
{
    public HubErrorKind Kind { get; } = kind;

    /// <summary>HTTP status of the answer that decided the error, when there was one.</summary>
    public int? StatusCode { get; } = statusCode;

    /// <summary>From the Hub's <c>Retry-After</c> header, for <see cref="HubErrorKind.RateLimited"/>.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

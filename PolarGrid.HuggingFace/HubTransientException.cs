namespace PolarGrid.HuggingFace;

/// <summary>
/// A failure worth another try: connection refused or reset, a body cut short, a timeout, a 5xx. Internal: callers see
/// it only as <see cref="HubErrorKind.Unreachable"/> once the retries are spent.
/// </summary>
internal sealed class HubTransientException(string message, int? statusCode = null, TimeSpan? retryAfter = null, Exception? innerException = null)
    : Exception(message, innerException)
{
    public int? StatusCode { get; } = statusCode;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public HubException GiveUp(HubTarget target, int attempts) => new(
        HubErrorKind.Unreachable,
        $"Could not get {target.Describe()} after {attempts} attempt(s): {Message}",
        StatusCode,
        RetryAfter,
        this);
}

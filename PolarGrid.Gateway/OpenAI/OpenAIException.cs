namespace PolarGrid.Gateway.OpenAI;

/// <summary>
/// An error answered in OpenAI's shape, <c>{"error":{"message","type","param","code"}}</c>, with the status OpenAI
/// uses for it.
/// </summary>
public sealed class OpenAIException(int status, string message, string type, string? param = null, string? code = null)
    : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;

    /// <summary>Sent as <c>Retry-After</c> when set (429, 503).</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static OpenAIException InvalidRequest(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status400BadRequest, message, "invalid_request_error", param, code);

    /// <summary>The longest piece of a client's input an error message repeats.</summary>
    public const int MaxEchoLength = 128;

    /// <summary>A client's value as an error message may repeat it: truncated, so a huge input is not sent back whole.</summary>
    public static string Echo(string value)
    {
        if (value.Length <= MaxEchoLength)
        {
            return value;
        }
        var cut = char.IsHighSurrogate(value[MaxEchoLength - 1]) ? MaxEchoLength - 1 : MaxEchoLength; // never half a pair
        return string.Concat(value.AsSpan(0, cut), $"… ({value.Length} characters)");
    }

    public static OpenAIException ModelNotFound(string model) =>
        new(StatusCodes.Status404NotFound, $"The model `{Echo(model)}` does not exist or you do not have access to it.",
            "invalid_request_error", "model", "model_not_found");

    public static OpenAIException ModelNotReady(string model, string state) =>
        new(StatusCodes.Status503ServiceUnavailable, $"The model `{Echo(model)}` is not ready on this node ({state}); try again shortly or another node.",
            "server_error", "model", "model_not_ready");

    public static OpenAIException UpstreamUnavailable(string detail) =>
        new(StatusCodes.Status503ServiceUnavailable, $"The inference server is unavailable: {detail}", "server_error", null, "upstream_unavailable");

    public static OpenAIException UpstreamTimeout() =>
        new(StatusCodes.Status504GatewayTimeout, "The inference server did not answer in time.", "server_error", null, "upstream_timeout");

    public static OpenAIException TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the limit of {limit} bytes.", "invalid_request_error", null, "request_too_large");

    public static OpenAIException Internal() =>
        new(StatusCodes.Status500InternalServerError, "The server had an error while processing your request.", "server_error");
}

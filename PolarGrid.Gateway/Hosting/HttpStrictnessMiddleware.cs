using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Gateway.Hosting;

/// <summary>
/// Refuses a compressed body, which the JSON APIs do not take, with a 415 that says so (rather than a JSON parser's
/// complaint about byte 0x1F). Framing needs nothing here: Kestrel itself handles a request with both
/// <c>Content-Length</c> and <c>Transfer-Encoding</c> as RFC 9112 §6.3 asks (the length is ignored and the connection
/// closed after the response), so nothing can be smuggled behind it.
/// </summary>
public sealed class HttpStrictnessMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers.ContentEncoding.Count > 0 && !string.Equals(headers.ContentEncoding.ToString(), "identity", StringComparison.OrdinalIgnoreCase))
        {
            throw new OpenAIException(StatusCodes.Status415UnsupportedMediaType,
                $"Content-Encoding '{OpenAIException.Echo(headers.ContentEncoding.ToString())}' is not accepted: send the request body uncompressed.",
                "invalid_request_error", null, "unsupported_content_encoding");
        }
        return next(context);
    }
}

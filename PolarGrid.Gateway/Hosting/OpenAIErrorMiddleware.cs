using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Gateway.Hosting;

/// <summary>Every failure leaves the gateway as an OpenAI-shaped error with the right status.</summary>
public sealed class OpenAIErrorMiddleware(RequestDelegate next, ILogger<OpenAIErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
            if (context.Response.StatusCode >= StatusCodes.Status400BadRequest && !context.Response.HasStarted
                && string.IsNullOrEmpty(context.Response.ContentType))
            {
                // A status the framework set without a body (a parameter it could not bind, a media type it refused);
                // a response with a content type has its body (written, perhaps not yet flushed).
                await OpenAIErrorWriter.WriteAsync(context, ForBareStatus(context.Response.StatusCode));
            }
        }
        catch (OpenAIException error)
        {
            await OpenAIErrorWriter.WriteAsync(context, error);
        }
        catch (BadHttpRequestException error)
        {
            await OpenAIErrorWriter.WriteAsync(context, error.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? OpenAIException.TooLarge(context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? 0)
                : new OpenAIException(error.StatusCode, error.Message, "invalid_request_error"));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; nobody is there to answer.
        }
        catch (Exception error)
        {
            logger.LogError(error, "Unhandled error serving {Method} {Path}", context.Request.Method, context.Request.Path);
            await OpenAIErrorWriter.WriteAsync(context, OpenAIException.Internal());
        }
    }

    private static OpenAIException ForBareStatus(int status) =>
        status >= StatusCodes.Status500InternalServerError
            ? new OpenAIException(status, "The server had an error while processing your request.", "server_error")
            : new OpenAIException(status, Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase
                ? $"The request was refused: {phrase}."
                : "The request was refused.", "invalid_request_error");
}

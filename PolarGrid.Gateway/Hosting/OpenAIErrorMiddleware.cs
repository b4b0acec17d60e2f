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
}

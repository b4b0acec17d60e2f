using System.Text.Json;

namespace PolarGrid.Gateway.OpenAI;

/// <summary>Writes OpenAI-shaped error bodies.</summary>
public static class OpenAIErrorWriter
{
    public static Task WriteAsync(HttpContext context, OpenAIException error)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask; // A stream already under way ends instead (see the chat API).
        }
        context.Response.StatusCode = error.Status;
        if (error.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds(retryAfter);
        }
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, Body(error), OpenAIJsonContext.Default.ErrorResponse, context.RequestAborted);
    }

    public static IResult ToResult(this OpenAIException error)
    {
        var result = Results.Json(Body(error), OpenAIJsonContext.Default.ErrorResponse, statusCode: error.Status);
        return error.RetryAfter is { } retryAfter ? new WithRetryAfter(result, retryAfter) : result;
    }

    public static string RetryAfterSeconds(TimeSpan retryAfter) =>
        Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed class WithRetryAfter(IResult inner, TimeSpan retryAfter) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds(retryAfter);
            return inner.ExecuteAsync(httpContext);
        }
    }

    public static ErrorResponse Body(OpenAIException error) =>
        new(new ErrorBody(error.Message, error.Type, error.Param, error.Code));
}

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
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, Body(error), OpenAIJsonContext.Default.ErrorResponse, context.RequestAborted);
    }

    public static IResult ToResult(this OpenAIException error) =>
        Results.Json(Body(error), OpenAIJsonContext.Default.ErrorResponse, statusCode: error.Status);

    public static ErrorResponse Body(OpenAIException error) =>
        new(new ErrorBody(error.Message, error.Type, error.Param, error.Code));
}

using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Gateway.Apis;

/// <summary>Reads a JSON request body within the size limit, turning every failure into an OpenAI error.</summary>
public static class RequestBody
{
    public static async Task<JsonDocument> ReadJsonAsync(HttpContext context, long limit)
    {
        if (context.Request.ContentLength > limit)
        {
            throw OpenAIException.TooLarge(limit);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        try
        {
            return await JsonDocument.ParseAsync(context.Request.Body, new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false }, context.RequestAborted);
        }
        catch (JsonException error)
        {
            throw OpenAIException.InvalidRequest(
                $"We could not parse the JSON body of your request: {error.Message}", null, "invalid_json");
        }
        catch (BadHttpRequestException error) when (error.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw OpenAIException.TooLarge(limit);
        }
    }
}

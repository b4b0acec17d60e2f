using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PolarGrid.Gateway.Auth;
using PolarGrid.Gateway.Inference;
using PolarGrid.Gateway.Models;
using PolarGrid.Gateway.OpenAI;
using PolarGrid.Gateway.RateLimiting;
using PolarGrid.Gateway.Telemetry;

namespace PolarGrid.Gateway.Apis;

public static class EmbeddingsApi
{
    private const int MaxInputs = 2048;

    public static IEndpointRouteBuilder MapEmbeddingsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/embeddings", CreateEmbeddings).RequireAuthorization(AuthenticationExtensions.InferencePolicy).CountsAsTraffic();
        return app;
    }

    public static async Task<IResult> CreateEmbeddings(
        HttpContext context,
        ModelCatalog catalog,
        EmbeddingEncoder encoder,
        TenantRateLimiter limiter,
        GatewayTelemetry telemetry,
        IOptions<GatewayOptions> options)
    {
        string model;
        List<string> inputs;
        bool base64;
        using (var body = await RequestBody.ReadJsonAsync(context, options.Value.MaxRequestBodyBytes))
        {
            (model, inputs, base64) = Read(body.RootElement);
        }

        using var activity = GatewayTelemetry.StartOperation("embeddings", model);
        var assets = catalog.Find(model) ?? throw OpenAIException.ModelNotFound(model);
        if (assets.Embedding is null)
        {
            throw OpenAIException.InvalidRequest($"The model `{model}` is not an embedding model.", "model");
        }
        var settings = assets.Descriptor.Embedding ?? new EmbeddingSettings();

        var sequences = new List<IReadOnlyList<int>>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            var ids = assets.Embedding.Encode(inputs[i]);
            if (ids.Count > settings.MaxTokens)
            {
                throw OpenAIException.InvalidRequest(
                    $"Input {i} has {ids.Count} tokens; this model's maximum input length is {settings.MaxTokens} tokens.", "input", "context_length_exceeded");
            }
            sequences.Add(ids);
        }

        var tokens = sequences.Sum(sequence => sequence.Count);
        using var reservation = limiter.TryReserve(context.User, tokens, out var rejection)
            ?? throw ChatCompletionsApi.RateLimited(context, telemetry, rejection!, model);

        var (vectors, used) = await encoder.EncodeAsync(model, settings, sequences, context.RequestAborted);
        reservation.Settle(used);
        activity?.SetTag("gen_ai.usage.input_tokens", used);

        var data = vectors.Select((vector, index) => new EmbeddingObject("embedding", index,
            base64 ? Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan())) : vector)).ToList();
        return Results.Json(new EmbeddingList("list", data, model, new EmbeddingUsage(used, used)), OpenAIJsonContext.Default.EmbeddingList);
    }

    private static (string Model, List<string> Inputs, bool Base64) Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw OpenAIException.InvalidRequest("The request body must be a JSON object.");
        }
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String || model.GetString()!.Length == 0)
        {
            throw OpenAIException.InvalidRequest("'model' is required and must be a non-empty string.", "model");
        }

        if (!root.TryGetProperty("input", out var input))
        {
            throw OpenAIException.InvalidRequest("'input' is required.", "input");
        }
        List<string> inputs = input.ValueKind switch
        {
            JsonValueKind.String => [input.GetString()!],
            JsonValueKind.Array when input.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String) =>
                input.EnumerateArray().Select(item => item.GetString()!).ToList(),
            JsonValueKind.Array => throw OpenAIException.InvalidRequest("'input' must be a string or an array of strings (token arrays are not supported).", "input"),
            _ => throw OpenAIException.InvalidRequest("'input' must be a string or an array of strings.", "input"),
        };
        if (inputs.Count == 0 || inputs.Count > MaxInputs)
        {
            throw OpenAIException.InvalidRequest($"'input' must hold between 1 and {MaxInputs} strings.", "input");
        }
        if (inputs.Any(text => text.Length == 0))
        {
            throw OpenAIException.InvalidRequest("'input' must not contain empty strings.", "input");
        }

        var format = root.TryGetProperty("encoding_format", out var encoding) && encoding.ValueKind != JsonValueKind.Null
            ? encoding.ValueKind == JsonValueKind.String ? encoding.GetString() : null
            : "float";
        if (format is not ("float" or "base64"))
        {
            throw OpenAIException.InvalidRequest("'encoding_format' must be 'float' or 'base64'.", "encoding_format");
        }
        if (root.TryGetProperty("dimensions", out var dimensions) && dimensions.ValueKind != JsonValueKind.Null)
        {
            throw OpenAIException.InvalidRequest("'dimensions' is not supported: this model's embeddings have a fixed size.", "dimensions");
        }
        return (model.GetString()!, inputs, format == "base64");
    }
}

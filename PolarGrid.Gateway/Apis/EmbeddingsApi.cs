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
            throw OpenAIException.InvalidRequest($"The model `{OpenAIException.Echo(model)}` is not an embedding model.", "model");
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
        var model = JsonFields.RequiredString(root, "model");

        if (!JsonFields.Has(root, "input", out var input))
        {
            throw OpenAIException.InvalidRequest("'input' is required.", "input");
        }
        if (input.ValueKind == JsonValueKind.Array && input.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
        {
            throw OpenAIException.InvalidRequest("'input' must be a string or an array of strings (token arrays are not supported).", "input");
        }
        var inputs = JsonFields.OptionalStrings(root, "input", "'input' must be a string or an array of strings.")!;
        if (inputs.Count == 0 || inputs.Count > MaxInputs)
        {
            throw OpenAIException.InvalidRequest($"'input' must hold between 1 and {MaxInputs} strings.", "input");
        }
        if (inputs.Any(text => text.Length == 0))
        {
            throw OpenAIException.InvalidRequest("'input' must not contain empty strings.", "input");
        }

        var format = JsonFields.Has(root, "encoding_format", out var encoding)
            ? encoding.ValueKind == JsonValueKind.String ? JsonFields.Text(encoding, "encoding_format") : null
            : "float";
        if (format is not ("float" or "base64"))
        {
            throw OpenAIException.InvalidRequest("'encoding_format' must be 'float' or 'base64'.", "encoding_format");
        }
        if (JsonFields.Has(root, "dimensions", out _))
        {
            throw OpenAIException.InvalidRequest("'dimensions' is not supported: this model's embeddings have a fixed size.", "dimensions", "unsupported_parameter");
        }
        JsonFields.OptionalString(root, "user");
        return (model, inputs, format == "base64");
    }
}

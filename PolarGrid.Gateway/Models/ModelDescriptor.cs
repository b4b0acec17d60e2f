using System.Text.Json;
using System.Text.Json.Serialization;
using PolarGrid.Staging;

namespace PolarGrid.Gateway.Models;

public enum ModelKind
{
    Chat,
    Embeddings,

    /// <summary>Any other ONNX model: served by Triton, not behind an OpenAI endpoint.</summary>
    Tensor,
}

public static class ModelKindNames
{
    /// <summary>The kind as <c>/v1/models</c> and <c>/health</c> write it.</summary>
    public static string ToWire(this ModelKind? kind) => kind switch
    {
        ModelKind.Chat => "chat",
        ModelKind.Embeddings => "embeddings",
        ModelKind.Tensor => "tensor",
        _ => "unknown",
    };
}

/// <summary>How embeddings are made from the model's token states.</summary>
public sealed record EmbeddingSettings(
    [property: JsonPropertyName("output")] string Output = "last_hidden_state",
    [property: JsonPropertyName("dimensions")] int Dimensions = 384,
    [property: JsonPropertyName("maxTokens")] int MaxTokens = 512,
    [property: JsonPropertyName("maxBatchSize")] int MaxBatchSize = 8,
    [property: JsonPropertyName("lowerCase")] bool LowerCase = true,
    [property: JsonPropertyName("normalize")] bool Normalize = true);

/// <summary>
/// What the gateway keeps about a model it serves, beside its tokenizer files in
/// <c>&lt;DataPath&gt;/models/&lt;name&gt;/model.json</c>: written when the model is converted.
/// </summary>
public sealed record ModelDescriptor(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] ModelKind Kind,
    [property: JsonPropertyName("contextLength")] int ContextLength,
    [property: JsonPropertyName("source")] string? Source = null,
    [property: JsonPropertyName("revision")] string? Revision = null,
    [property: JsonPropertyName("embedding")] EmbeddingSettings? Embedding = null)
{
    public const string FileName = "model.json";
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, Converters = [typeof(CamelCaseEnumConverter<ModelKind>)])]
[JsonSerializable(typeof(ModelDescriptor))]
public sealed partial class ModelDescriptorJsonContext : JsonSerializerContext;

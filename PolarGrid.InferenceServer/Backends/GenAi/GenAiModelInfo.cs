using System.Text.Json;
using PolarGrid.InferenceServer.Models;

namespace PolarGrid.InferenceServer.Backends.GenAi;

/// <summary>What the server needs from a model's <c>genai_config.json</c>.</summary>
public sealed record GenAiModelInfo(int ContextLength, int VocabularySize)
{
    public const string FileName = "genai_config.json";

    public static GenAiModelInfo Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            var model = document.RootElement.GetProperty("model");
            return new GenAiModelInfo(model.GetProperty("context_length").GetInt32(), model.GetProperty("vocab_size").GetInt32());
        }
        catch (Exception error) when (error is IOException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw InferenceException.InvalidArgument($"{path} is not a usable onnxruntime-genai config: {error.Message}");
        }
    }
}

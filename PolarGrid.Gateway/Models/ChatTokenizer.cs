using System.Text.Json;
using Microsoft.ML.OnnxRuntimeGenAI;
using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Gateway.Models;

/// <summary>
/// Renders chat messages with the model's own chat template and counts prompt tokens, using the model's tokenizer
/// files (onnxruntime-genai's tokenizer: <c>tokenizer.json</c>, <c>tokenizer_config.json</c>, <c>genai_config.json</c>).
/// </summary>
public sealed class ChatTokenizer : IDisposable
{
    public const string TemplateFileName = "chat_template.jinja";

    private readonly Tokenizer _tokenizer;
    private readonly string _template;
    // The native tokenizer makes no promise about concurrent use; rendering takes microseconds.
    private readonly Lock _gate = new();

    public ChatTokenizer(string directory)
    {
        GenAiRuntime.EnsureInitialized();
        _tokenizer = new Tokenizer(directory);
        var templateFile = Path.Combine(directory, TemplateFileName);
        // Empty means the template in tokenizer_config.json.
        _template = File.Exists(templateFile) ? File.ReadAllText(templateFile) : "";
    }

    public (string Prompt, int Tokens) Render(IReadOnlyList<PromptMessage> messages)
    {
        var json = MessagesJson(messages);
        lock (_gate)
        {
            string prompt;
            try
            {
                prompt = _tokenizer.ApplyChatTemplate(_template, json, "", true);
            }
            catch (OnnxRuntimeGenAIException)
            {
                // The engine's message quotes the template's source: it is not the client's to read.
                throw OpenAIException.InvalidRequest(
                    "The messages do not fit this model's chat template (for example, roles in an order the model does not accept).", "messages");
            }
            using var tokens = _tokenizer.Encode(prompt);
            var count = tokens[0].Length;
            if (count == 0)
            {
                throw OpenAIException.InvalidRequest(
                    "The messages render to an empty prompt with this model's chat template; add a user message.", "messages", "empty_prompt");
            }
            return (prompt, count);
        }
    }

    public void Dispose() => _tokenizer.Dispose();

    // The template engine's input: [{"role":…,"content":…}, …].
    private static string MessagesJson(IReadOnlyList<PromptMessage> messages)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var message in messages)
            {
                writer.WriteStartObject();
                writer.WriteString("role", message.Role);
                writer.WriteString("content", message.Content);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>onnxruntime-genai's process-wide state, created once when the first tokenizer needs it.</summary>
internal static class GenAiRuntime
{
    private static readonly Lazy<OgaHandle> Handle = new(() => new OgaHandle());

    public static void EnsureInitialized() => _ = Handle.Value;
}

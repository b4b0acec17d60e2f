using System.Text;
using System.Text.Json;

namespace PolarGrid.Gateway.OpenAI;

public sealed record PromptMessage(string Role, string Content);

/// <summary>
/// A chat completion request, read field by field from JSON so that every problem names its <c>param</c>. Unknown
/// fields are ignored, as OpenAI does.
/// </summary>
public sealed record ChatCompletionRequest(
    string Model,
    IReadOnlyList<PromptMessage> Messages,
    int? MaxTokens,
    double? Temperature,
    double? TopP,
    IReadOnlyList<string> Stop,
    long? Seed,
    bool Stream,
    bool IncludeUsage,
    string? User)
{
    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool"];

    public static ChatCompletionRequest Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw OpenAIException.InvalidRequest("The request body must be a JSON object.");
        }

        var model = RequiredString(root, "model");
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            throw OpenAIException.InvalidRequest("'messages' is required and must be an array.", "messages");
        }
        if (messages.GetArrayLength() == 0)
        {
            throw OpenAIException.InvalidRequest("'messages' must contain at least one message.", "messages", "empty_array");
        }

        var prompt = new List<PromptMessage>(messages.GetArrayLength());
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            prompt.Add(ReadMessage(message, $"messages[{index++}]"));
        }

        var maxTokens = OptionalInt(root, "max_completion_tokens") ?? OptionalInt(root, "max_tokens");
        if (maxTokens is < 1)
        {
            throw OpenAIException.InvalidRequest("'max_tokens' must be at least 1.", root.TryGetProperty("max_completion_tokens", out _) ? "max_completion_tokens" : "max_tokens");
        }

        var temperature = OptionalNumber(root, "temperature");
        if (temperature is < 0 or > 2)
        {
            throw OpenAIException.InvalidRequest("'temperature' must be between 0 and 2.", "temperature");
        }
        var topP = OptionalNumber(root, "top_p");
        if (topP is <= 0 or > 1)
        {
            throw OpenAIException.InvalidRequest("'top_p' must be greater than 0 and at most 1.", "top_p");
        }
        var n = OptionalInt(root, "n");
        if (n is not null and not 1)
        {
            throw OpenAIException.InvalidRequest("Only n=1 is supported.", "n");
        }

        var stream = OptionalBool(root, "stream") ?? false;
        var includeUsage = false;
        if (root.TryGetProperty("stream_options", out var streamOptions) && streamOptions.ValueKind != JsonValueKind.Null)
        {
            if (streamOptions.ValueKind != JsonValueKind.Object)
            {
                throw OpenAIException.InvalidRequest("'stream_options' must be an object.", "stream_options");
            }
            if (!stream)
            {
                throw OpenAIException.InvalidRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
            }
            includeUsage = OptionalBool(streamOptions, "include_usage", "stream_options.include_usage") ?? false;
        }

        return new ChatCompletionRequest(
            model, prompt, maxTokens, temperature, topP, ReadStop(root), OptionalLong(root, "seed"), stream, includeUsage,
            OptionalString(root, "user"));
    }

    private static PromptMessage ReadMessage(JsonElement message, string param)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw OpenAIException.InvalidRequest($"'{param}' must be an object with 'role' and 'content'.", param);
        }
        var role = RequiredString(message, "role", $"{param}.role");
        if (!Roles.Contains(role))
        {
            throw OpenAIException.InvalidRequest(
                $"'{param}.role' must be one of system, developer, user, assistant or tool; got '{role}'.", $"{param}.role");
        }

        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            throw OpenAIException.InvalidRequest($"'{param}.content' is required.", $"{param}.content");
        }
        return new PromptMessage(role == "developer" ? "system" : role, content.ValueKind switch
        {
            JsonValueKind.String => content.GetString()!,
            JsonValueKind.Array => TextParts(content, $"{param}.content"),
            _ => throw OpenAIException.InvalidRequest($"'{param}.content' must be a string or an array of text parts.", $"{param}.content"),
        });
    }

    private static string TextParts(JsonElement parts, string param)
    {
        var text = new StringBuilder();
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || OptionalString(part, "type") != "text")
            {
                throw OpenAIException.InvalidRequest($"'{param}' may only hold text parts on this server.", param);
            }
            text.Append(RequiredString(part, "text", $"{param}.text"));
        }
        return text.ToString();
    }

    private static IReadOnlyList<string> ReadStop(JsonElement root)
    {
        if (!root.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        List<string> values = stop.ValueKind switch
        {
            JsonValueKind.String => [stop.GetString()!],
            JsonValueKind.Array when stop.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String) =>
                stop.EnumerateArray().Select(item => item.GetString()!).ToList(),
            _ => throw OpenAIException.InvalidRequest("'stop' must be a string or an array of strings.", "stop"),
        };
        if (values.Count > 4 || values.Any(value => value.Length == 0))
        {
            throw OpenAIException.InvalidRequest("'stop' takes up to 4 non-empty strings.", "stop");
        }
        return values;
    }

    private static string RequiredString(JsonElement element, string name, string? param = null)
    {
        param ??= name;
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw OpenAIException.InvalidRequest($"'{param}' is required.", param);
        }
        if (value.ValueKind != JsonValueKind.String || value.GetString()!.Length == 0)
        {
            throw OpenAIException.InvalidRequest($"'{param}' must be a non-empty string.", param);
        }
        return value.GetString()!;
    }

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw OpenAIException.InvalidRequest($"'{name}' must be a string.", name)
            : null;

    private static int? OptionalInt(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
                ? number
                : throw OpenAIException.InvalidRequest($"'{name}' must be an integer.", name)
            : null;

    private static long? OptionalLong(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
                ? number
                : throw OpenAIException.InvalidRequest($"'{name}' must be an integer.", name)
            : null;

    private static double? OptionalNumber(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw OpenAIException.InvalidRequest($"'{name}' must be a number.", name)
            : null;

    private static bool? OptionalBool(JsonElement element, string name, string? param = null) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw OpenAIException.InvalidRequest($"'{param ?? name}' must be a boolean.", param ?? name),
            }
            : null;
}

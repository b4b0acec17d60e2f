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

    /// <summary>OpenAI allows up to four stop sequences; each is bounded so that matching stays cheap per token.</summary>
    public const int MaxStopLength = 256;

    public static ChatCompletionRequest Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw OpenAIException.InvalidRequest("The request body must be a JSON object.");
        }

        var model = JsonFields.RequiredString(root, "model");
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

        var maxTokensParam = JsonFields.Has(root, "max_completion_tokens", out _) ? "max_completion_tokens" : "max_tokens";
        var maxTokens = JsonFields.OptionalInt(root, maxTokensParam);
        if (maxTokens is < 1)
        {
            throw OpenAIException.InvalidRequest($"'{maxTokensParam}' must be at least 1.", maxTokensParam);
        }

        var temperature = JsonFields.OptionalNumber(root, "temperature", 0, 2);
        var topP = JsonFields.OptionalNumber(root, "top_p", 0, 1);
        if (topP == 0)
        {
            throw OpenAIException.InvalidRequest("'top_p' must be greater than 0 and at most 1.", "top_p", "invalid_value");
        }
        var n = JsonFields.OptionalInt(root, "n");
        if (n is not null and not 1)
        {
            throw OpenAIException.InvalidRequest("Only n=1 is supported.", "n");
        }
        UnsupportedChatParameters.Refuse(root);

        var stream = JsonFields.OptionalBool(root, "stream") ?? false;
        var includeUsage = false;
        if (JsonFields.Has(root, "stream_options", out var streamOptions))
        {
            if (streamOptions.ValueKind != JsonValueKind.Object)
            {
                throw OpenAIException.InvalidRequest("'stream_options' must be an object.", "stream_options");
            }
            if (!stream)
            {
                throw OpenAIException.InvalidRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
            }
            includeUsage = JsonFields.OptionalBool(streamOptions, "include_usage", "stream_options.include_usage") ?? false;
        }

        return new ChatCompletionRequest(
            model, prompt, maxTokens, temperature, topP, ReadStop(root), JsonFields.OptionalLong(root, "seed"), stream, includeUsage,
            JsonFields.OptionalString(root, "user"));
    }

    private static PromptMessage ReadMessage(JsonElement message, string param)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw OpenAIException.InvalidRequest($"'{param}' must be an object with 'role' and 'content'.", param);
        }
        var role = JsonFields.RequiredString(message, "role", $"{param}.role");
        if (!Roles.Contains(role))
        {
            throw OpenAIException.InvalidRequest(
                $"'{param}.role' must be one of system, developer, user, assistant or tool; got '{OpenAIException.Echo(role)}'.", $"{param}.role");
        }
        if (JsonFields.Has(message, "tool_calls", out _) || JsonFields.Has(message, "function_call", out _))
        {
            throw OpenAIException.InvalidRequest(
                $"'{param}' carries tool calls; tool calling is not supported on this node yet.", $"{param}.tool_calls", "unsupported_parameter");
        }

        if (!JsonFields.Has(message, "content", out var content))
        {
            throw OpenAIException.InvalidRequest($"'{param}.content' is required.", $"{param}.content");
        }
        return new PromptMessage(role == "developer" ? "system" : role, content.ValueKind switch
        {
            JsonValueKind.String => JsonFields.Text(content, $"{param}.content"),
            JsonValueKind.Array => TextParts(content, $"{param}.content"),
            _ => throw OpenAIException.InvalidRequest($"'{param}.content' must be a string or an array of text parts.", $"{param}.content"),
        });
    }

    private static string TextParts(JsonElement parts, string param)
    {
        var text = new StringBuilder();
        var index = 0;
        foreach (var part in parts.EnumerateArray())
        {
            var partParam = $"{param}[{index++}]";
            if (part.ValueKind != JsonValueKind.Object || JsonFields.OptionalString(part, "type", $"{partParam}.type") != "text")
            {
                throw OpenAIException.InvalidRequest($"'{param}' may only hold text parts on this server.", param);
            }
            text.Append(JsonFields.RequiredString(part, "text", $"{partParam}.text"));
        }
        return text.ToString();
    }

    private static IReadOnlyList<string> ReadStop(JsonElement root)
    {
        var values = JsonFields.OptionalStrings(root, "stop", "'stop' must be a string or an array of strings.");
        if (values is null)
        {
            return [];
        }
        if (values.Count > 4 || values.Any(value => value.Length is 0 or > MaxStopLength))
        {
            throw OpenAIException.InvalidRequest($"'stop' takes up to 4 non-empty strings of at most {MaxStopLength} characters each.", "stop");
        }
        return values;
    }
}

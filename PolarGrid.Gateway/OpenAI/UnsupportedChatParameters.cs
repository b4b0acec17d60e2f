using System.Text.Json;

namespace PolarGrid.Gateway.OpenAI;

/// <summary>
/// The chat parameters of OpenAI's API that this node cannot honour yet. Each is validated as OpenAI validates it (a
/// wrong type is a plain 400) and then, unless its value asks for nothing (<c>tool_choice: "none"</c>,
/// <c>response_format: {"type":"text"}</c>, <c>logprobs: false</c>, a zero penalty, …), refused with a 400 that names
/// it: a client that asked for JSON or tools must never get free text as if it had been honoured.
/// </summary>
public static class UnsupportedChatParameters
{
    public static void Refuse(JsonElement root)
    {
        if (JsonFields.Has(root, "tools", out var tools))
        {
            RequireArray(tools, "tools", "an array of tool definitions");
            throw NotSupported("tools", "Tool calling (`tools`) is not supported on this node yet.");
        }
        if (JsonFields.Has(root, "tool_choice", out var toolChoice))
        {
            if (toolChoice.ValueKind == JsonValueKind.String)
            {
                var choice = JsonFields.Text(toolChoice, "tool_choice");
                if (choice is not ("none" or "auto" or "required"))
                {
                    throw OpenAIException.InvalidRequest($"'tool_choice' must be 'none', 'auto', 'required' or an object; got '{OpenAIException.Echo(choice)}'.", "tool_choice", "invalid_value");
                }
                if (choice != "none")
                {
                    throw NotSupported("tool_choice", $"`tool_choice: \"{choice}\"` needs tool calling, which is not supported on this node yet.");
                }
            }
            else
            {
                RequireObject(toolChoice, "tool_choice", "'none', 'auto', 'required' or an object");
                throw NotSupported("tool_choice", "Choosing a tool (`tool_choice`) is not supported on this node yet.");
            }
        }
        JsonFields.OptionalBool(root, "parallel_tool_calls"); // Means nothing without tools, which are refused above.

        if (JsonFields.Has(root, "functions", out var functions))
        {
            RequireArray(functions, "functions", "an array of function definitions");
            throw NotSupported("functions", "Function calling (`functions`) is not supported on this node yet.");
        }
        if (JsonFields.Has(root, "function_call", out var functionCall))
        {
            if (functionCall.ValueKind == JsonValueKind.String)
            {
                var call = JsonFields.Text(functionCall, "function_call");
                if (call is not ("none" or "auto"))
                {
                    throw OpenAIException.InvalidRequest("'function_call' must be 'none', 'auto' or an object.", "function_call", "invalid_value");
                }
                if (call != "none")
                {
                    throw NotSupported("function_call", "Function calling (`function_call`) is not supported on this node yet.");
                }
            }
            else
            {
                RequireObject(functionCall, "function_call", "'none', 'auto' or an object");
                throw NotSupported("function_call", "Function calling (`function_call`) is not supported on this node yet.");
            }
        }

        if (JsonFields.Has(root, "response_format", out var responseFormat))
        {
            RequireObject(responseFormat, "response_format", "an object such as {\"type\": \"text\"}");
            var type = JsonFields.RequiredString(responseFormat, "type", "response_format.type");
            switch (type)
            {
                case "text":
                    break;
                case "json_object" or "json_schema":
                    throw NotSupported("response_format", $"`response_format` of type '{type}' (structured output) is not supported on this node yet.");
                default:
                    throw OpenAIException.InvalidRequest(
                        $"'response_format.type' must be 'text', 'json_object' or 'json_schema'; got '{OpenAIException.Echo(type)}'.", "response_format.type", "invalid_value");
            }
        }

        var logprobs = JsonFields.OptionalBool(root, "logprobs");
        var topLogprobs = JsonFields.OptionalInt(root, "top_logprobs");
        if (topLogprobs is < 0 or > 20)
        {
            throw OpenAIException.InvalidRequest("'top_logprobs' must be between 0 and 20.", "top_logprobs", "invalid_value");
        }
        if (topLogprobs is not null && logprobs != true)
        {
            throw OpenAIException.InvalidRequest("'top_logprobs' requires 'logprobs' to be true.", "top_logprobs");
        }
        if (logprobs == true)
        {
            throw NotSupported("logprobs", "Log probabilities (`logprobs`) are not supported on this node yet.");
        }

        if (JsonFields.Has(root, "logit_bias", out var logitBias))
        {
            RequireObject(logitBias, "logit_bias", "an object mapping token ids to biases");
            foreach (var bias in logitBias.EnumerateObject())
            {
                if (!int.TryParse(bias.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
                {
                    throw OpenAIException.InvalidRequest("'logit_bias' keys must be token ids.", "logit_bias");
                }
                if (bias.Value.ValueKind != JsonValueKind.Number || !bias.Value.TryGetDouble(out var value) || value is < -100 or > 100)
                {
                    throw OpenAIException.InvalidRequest("'logit_bias' values must be numbers between -100 and 100.", "logit_bias", "invalid_value");
                }
            }
            if (logitBias.EnumerateObject().Any())
            {
                throw NotSupported("logit_bias", "Token biases (`logit_bias`) are not supported on this node yet.");
            }
        }

        foreach (var penalty in new[] { "presence_penalty", "frequency_penalty" })
        {
            if (JsonFields.OptionalNumber(root, penalty, -2, 2) is { } value && value != 0)
            {
                throw NotSupported(penalty, $"`{penalty}` other than 0 is not supported on this node yet.");
            }
        }

        if (JsonFields.OptionalStrings(root, "modalities", "'modalities' must be an array of strings.") is { } modalities)
        {
            foreach (var modality in modalities)
            {
                if (modality is not ("text" or "audio"))
                {
                    throw OpenAIException.InvalidRequest($"'modalities' may hold 'text' and 'audio'; got '{OpenAIException.Echo(modality)}'.", "modalities", "invalid_value");
                }
            }
            if (modalities.Contains("audio"))
            {
                throw NotSupported("modalities", "Audio output (`modalities: [\"audio\"]`) is not supported on this node yet.");
            }
        }
        foreach (var (name, feature) in new[]
                 {
                     ("audio", "Audio output (`audio`)"),
                     ("prediction", "Predicted outputs (`prediction`)"),
                     ("web_search_options", "Web search (`web_search_options`)"),
                 })
        {
            if (JsonFields.Has(root, name, out var value))
            {
                RequireObject(value, name, "an object");
                throw NotSupported(name, $"{feature} is not supported on this node yet.");
            }
        }
        if (JsonFields.OptionalString(root, "reasoning_effort") is not null)
        {
            throw NotSupported("reasoning_effort", "`reasoning_effort` is not supported: the models on this node are not reasoning models.");
        }
        if (JsonFields.OptionalBool(root, "store") == true)
        {
            throw NotSupported("store", "Storing completions (`store: true`) is not supported on this node.");
        }
    }

    private static void RequireArray(JsonElement value, string param, string what)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw OpenAIException.InvalidRequest($"'{param}' must be {what}.", param);
        }
    }

    private static void RequireObject(JsonElement value, string param, string what)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw OpenAIException.InvalidRequest($"'{param}' must be {what}.", param);
        }
    }

    private static OpenAIException NotSupported(string param, string message) =>
        OpenAIException.InvalidRequest(message, param, "unsupported_parameter");
}

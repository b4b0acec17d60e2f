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
        RefuseDefinitions(root, "tools", "an array of tool definitions", "Tool calling (`tools`)");
        RefuseChoice(root, "tool_choice", ["none", "auto", "required"], "Tool calling (`tool_choice`)");
        JsonFields.OptionalBool(root, "parallel_tool_calls"); // Means nothing without tools, which are refused above.
        RefuseDefinitions(root, "functions", "an array of function definitions", "Function calling (`functions`)");
        RefuseChoice(root, "function_call", ["none", "auto"], "Function calling (`function_call`)");

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

    /// <summary>Definitions (tools, functions) are refused whole: honouring any of them needs tool calling.</summary>
    private static void RefuseDefinitions(JsonElement root, string param, string what, string feature)
    {
        if (JsonFields.Has(root, param, out var definitions))
        {
            RequireArray(definitions, param, what);
            throw NotSupported(param, $"{feature} is not supported on this node yet.");
        }
    }

    /// <summary>A choice among tools: "none" asks for nothing and is served; any other choice needs tool calling.</summary>
    private static void RefuseChoice(JsonElement root, string param, string[] choices, string feature)
    {
        if (!JsonFields.Has(root, param, out var value))
        {
            return;
        }
        var allowed = $"{string.Join(", ", choices.Select(choice => $"'{choice}'"))} or an object";
        if (value.ValueKind != JsonValueKind.String)
        {
            RequireObject(value, param, allowed);
            throw NotSupported(param, $"{feature} is not supported on this node yet.");
        }
        var choice = JsonFields.Text(value, param);
        if (!choices.Contains(choice))
        {
            throw OpenAIException.InvalidRequest($"'{param}' must be {allowed}; got '{OpenAIException.Echo(choice)}'.", param, "invalid_value");
        }
        if (choice != "none")
        {
            throw NotSupported(param, $"`{param}: \"{choice}\"` needs tool calling, which is not supported on this node yet.");
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

using System.Text.Json;

namespace PolarGrid.Gateway.OpenAI;

/// <summary>
/// Reads the fields of a client's JSON body, turning every way a field can be wrong into a 400 that names it: a wrong
/// type, a number out of range, or a string that is not Unicode text (a lone surrogate escape such as <c>"\ud800"</c>,
/// or bytes that are not UTF-8), which .NET would otherwise only notice later as an exception.
/// </summary>
public static class JsonFields
{
    public static bool Has(JsonElement element, string name, out JsonElement value) =>
        element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>The text of a string value.</summary>
    public static string Text(JsonElement value, string param)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw OpenAIException.InvalidRequest(
                $"'{param}' is not valid Unicode text: it holds a lone surrogate escape or bytes that are not UTF-8.", param, "invalid_encoding");
        }
    }

    public static string RequiredString(JsonElement element, string name, string? param = null)
    {
        param ??= name;
        if (!Has(element, name, out var value))
        {
            throw OpenAIException.InvalidRequest($"'{param}' is required.", param);
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            throw OpenAIException.InvalidRequest($"'{param}' must be a non-empty string.", param);
        }
        var text = Text(value, param);
        return text.Length > 0 ? text : throw OpenAIException.InvalidRequest($"'{param}' must be a non-empty string.", param);
    }

    public static string? OptionalString(JsonElement element, string name, string? param = null)
    {
        param ??= name;
        if (!Has(element, name, out var value))
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String
            ? Text(value, param)
            : throw OpenAIException.InvalidRequest($"'{param}' must be a string.", param);
    }

    public static int? OptionalInt(JsonElement element, string name, string? param = null)
    {
        param ??= name;
        if (!Has(element, name, out var value))
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw OpenAIException.InvalidRequest($"'{param}' must be an integer between {int.MinValue} and {int.MaxValue}.", param);
    }

    public static long? OptionalLong(JsonElement element, string name, string? param = null)
    {
        param ??= name;
        if (!Has(element, name, out var value))
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw OpenAIException.InvalidRequest($"'{param}' must be a 64-bit integer.", param);
    }

    /// <summary>A finite number within <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static double? OptionalNumber(JsonElement element, string name, double min, double max, string? param = null)
    {
        param ??= name;
        if (!Has(element, name, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            throw OpenAIException.InvalidRequest($"'{param}' must be a number.", param);
        }
        return number >= min && number <= max
            ? number
            : throw OpenAIException.InvalidRequest($"'{param}' must be between {min} and {max}; got {number}.", param, "invalid_value");
    }

    public static bool? OptionalBool(JsonElement element, string name, string? param = null)
    {
        param ??= name;
        if (!Has(element, name, out var value))
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw OpenAIException.InvalidRequest($"'{param}' must be a boolean.", param),
        };
    }

    /// <summary>A string or an array of strings, as <c>stop</c> and <c>input</c> take them.</summary>
    public static List<string>? OptionalStrings(JsonElement element, string name, string typeMessage)
    {
        if (!Has(element, name, out var value))
        {
            return null;
        }
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return [Text(value, name)];
            case JsonValueKind.Array:
                var values = new List<string>(value.GetArrayLength());
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    values.Add(item.ValueKind == JsonValueKind.String
                        ? Text(item, $"{name}[{index}]")
                        : throw OpenAIException.InvalidRequest(typeMessage, name));
                    index++;
                }
                return values;
            default:
                throw OpenAIException.InvalidRequest(typeMessage, name);
        }
    }
}

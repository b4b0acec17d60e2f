using System.Text.Json;

namespace PolarGrid.Client.Routing;

/// <summary>
/// Finds the top-level <c>model</c> of an OpenAI-style JSON body without deserialising the rest: prompts can be large
/// and the router needs one string.
/// </summary>
internal static class RequestModelReader
{
    public static string? Read(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isModel = reader.ValueTextEquals("model"u8);
                reader.Read();
                if (isModel)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                reader.Skip();
            }
            return null;
        }
        catch (JsonException)
        {
            // Not JSON: the node will say so with a 400; any node can do that.
            return null;
        }
    }
}

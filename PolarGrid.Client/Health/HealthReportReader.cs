using System.Text.Json;

namespace PolarGrid.Client.Health;

/// <summary>
/// Reads the parts of a gateway's <c>/health</c> body routing needs: the overall <c>status</c> and each model's
/// <c>checks.models.data.&lt;model&gt;.state</c>. Anything else in the report is ignored, so the gateway may add checks.
/// </summary>
internal static class HealthReportReader
{
    public static (string? Status, IReadOnlyDictionary<string, string>? ModelStates) Read(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }
            var status = root.TryGetProperty("status", out var statusElement) && statusElement.ValueKind == JsonValueKind.String
                ? statusElement.GetString()
                : null;
            return (status, ReadModels(root));
        }
        catch (JsonException)
        {
            // A 200 with a body we cannot read still means "up"; model states then come from the table.
            return (null, null);
        }
    }

    private static Dictionary<string, string>? ReadModels(JsonElement root)
    {
        if (!root.TryGetProperty("checks", out var checks) || checks.ValueKind != JsonValueKind.Object
            || !checks.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Object
            || !models.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            // No list (Triton did not answer the gateway): unknown, which is not the same as "no models".
            return null;
        }
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var model in data.EnumerateObject())
        {
            if (model.Value.ValueKind == JsonValueKind.Object
                && model.Value.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.String)
            {
                states[model.Name] = state.GetString()!;
            }
        }
        return states;
    }
}

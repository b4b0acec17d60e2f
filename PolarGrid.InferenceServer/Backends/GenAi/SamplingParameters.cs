using System.Globalization;
using System.Text.Json;
using PolarGrid.InferenceServer.Models;

namespace PolarGrid.InferenceServer.Backends.GenAi;

/// <summary>
/// The vLLM <c>SamplingParams</c> fields this server honours, read from the <c>sampling_parameters</c> JSON tensor
/// with vLLM's defaults (note <c>max_tokens</c> = 16). Values may arrive as strings, as Triton's vLLM backend allows.
/// </summary>
public sealed record SamplingParameters
{
    public int MaxTokens { get; init; } = 16;
    public int MinTokens { get; init; }
    public double Temperature { get; init; } = 1.0;
    public double TopP { get; init; } = 1.0;

    /// <summary>-1 (vLLM's default) considers every token.</summary>
    public int TopK { get; init; } = -1;

    public long? Seed { get; init; }
    public double RepetitionPenalty { get; init; } = 1.0;
    public IReadOnlyList<string> Stop { get; init; } = [];
    public bool IncludeStopStringInOutput { get; init; }

    public bool IsGreedy => Temperature == 0;

    // Accepted because they change nothing here: n is 1, and detokenised text never carries special tokens.
    private static readonly HashSet<string> Accepted = ["n", "skip_special_tokens", "spaces_between_special_tokens", "best_of"];

    public static SamplingParameters Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return new SamplingParameters();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException error)
        {
            throw InferenceException.InvalidArgument($"sampling_parameters is not valid JSON: {error.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw InferenceException.InvalidArgument("sampling_parameters must be a JSON object");
            }

            var result = new SamplingParameters();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = property.Value;
                result = property.Name switch
                {
                    "max_tokens" => result with { MaxTokens = Int(property.Name, value, min: 1) },
                    "min_tokens" => result with { MinTokens = Int(property.Name, value, min: 0) },
                    "temperature" => result with { Temperature = Double(property.Name, value, min: 0) },
                    "top_p" => result with { TopP = Double(property.Name, value, min: double.Epsilon, max: 1) },
                    "top_k" => result with { TopK = TopKValue(value) },
                    "seed" => result with { Seed = value.ValueKind == JsonValueKind.Null ? null : Long(property.Name, value) },
                    "repetition_penalty" => result with { RepetitionPenalty = Double(property.Name, value, min: double.Epsilon) },
                    "stop" => result with { Stop = StopStrings(value) },
                    "include_stop_str_in_output" => result with { IncludeStopStringInOutput = Bool(property.Name, value) },
                    "n" when Int(property.Name, value, min: 1) != 1 =>
                        throw InferenceException.InvalidArgument("sampling_parameters.n must be 1: this server returns one sequence per request"),
                    "ignore_eos" when Bool(property.Name, value) =>
                        throw InferenceException.InvalidArgument("sampling_parameters.ignore_eos is not supported by this server"),
                    "ignore_eos" => result,
                    _ when Accepted.Contains(property.Name) => result,
                    _ => throw InferenceException.InvalidArgument($"sampling_parameters has an unsupported field '{property.Name}'"),
                };
            }

            if (result.MinTokens > result.MaxTokens)
            {
                throw InferenceException.InvalidArgument("sampling_parameters.min_tokens must not exceed max_tokens");
            }
            return result;
        }
    }

    private static int TopKValue(JsonElement value)
    {
        var topK = Int("top_k", value, min: -1);
        return topK == 0 ? -1 : topK;
    }

    private static IReadOnlyList<string> StopStrings(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => [],
        JsonValueKind.String => NonEmpty([value.GetString()!]),
        JsonValueKind.Array when value.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String) =>
            NonEmpty(value.EnumerateArray().Select(item => item.GetString()!).ToList()),
        _ => throw InferenceException.InvalidArgument("sampling_parameters.stop must be a string or a list of strings"),
    };

    private static IReadOnlyList<string> NonEmpty(IReadOnlyList<string> stops) =>
        stops.Any(string.IsNullOrEmpty)
            ? throw InferenceException.InvalidArgument("sampling_parameters.stop must not contain empty strings")
            : stops;

    private static int Int(string name, JsonElement value, long min)
    {
        var ok = value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out var number) ? number : (long?)null,
            JsonValueKind.String => long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null,
            _ => null,
        };
        if (ok is not { } parsed || parsed < min || parsed > int.MaxValue)
        {
            throw InferenceException.InvalidArgument($"sampling_parameters.{name} must be an integer ≥ {min}, got {value.GetRawText()}");
        }
        return (int)parsed;
    }

    private static long Long(string name, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var number) => number,
        JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) => number,
        _ => throw InferenceException.InvalidArgument($"sampling_parameters.{name} must be a 64-bit integer, got {value.GetRawText()}"),
    };

    private static double Double(string name, JsonElement value, double min, double max = double.MaxValue)
    {
        var ok = value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetDouble(out var number) ? number : (double?)null,
            JsonValueKind.String => double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null,
            _ => null,
        };
        if (ok is not { } parsed || double.IsNaN(parsed) || parsed < min || parsed > max)
        {
            throw InferenceException.InvalidArgument($"sampling_parameters.{name} is out of range: {value.GetRawText()}");
        }
        return parsed;
    }

    private static bool Bool(string name, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when bool.TryParse(value.GetString(), out var parsed) => parsed,
        _ => throw InferenceException.InvalidArgument($"sampling_parameters.{name} must be true or false"),
    };
}

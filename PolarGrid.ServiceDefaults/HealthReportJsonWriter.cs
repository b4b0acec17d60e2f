using System.Collections;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Writes a health report as JSON so that operators, tests and the control plane's collector read each check's
/// status and data instead of the bare word that ASP.NET Core writes by default.
/// </summary>
/// <remarks>
/// Written by hand rather than serialised: a check's data is an open bag of objects, which reflection-based
/// serialisation would need (and an ahead-of-time compiled gateway does not have).
/// </remarks>
public static class HealthReportJsonWriter
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";

        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("status", ToWireStatus(report.Status));
        writer.WriteNumber("totalDurationMs", report.TotalDuration.TotalMilliseconds);
        writer.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            writer.WriteStartObject(name);
            writer.WriteString("status", ToWireStatus(entry.Status));
            if (entry.Description is { } description)
            {
                writer.WriteString("description", description);
            }
            writer.WriteNumber("durationMs", entry.Duration.TotalMilliseconds);
            if (entry.Data.Count > 0)
            {
                writer.WritePropertyName("data");
                WriteValue(writer, entry.Data);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    private static string ToWireStatus(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    /// <summary>Primitives as JSON values, string-keyed maps as objects, other sequences as arrays, the rest as text.</summary>
    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case int or long or short or byte or uint or ulong or ushort or sbyte:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double or float or decimal:
                writer.WriteNumberValue(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset moment:
                writer.WriteStringValue(moment);
                break;
            case DateTime moment:
                writer.WriteStringValue(moment);
                break;
            case Enum member:
                writer.WriteStringValue(member.ToString());
                break;
            case IEnumerable<KeyValuePair<string, object>> map:
                WriteObject(writer, map.Select(pair => (pair.Key, (object?)pair.Value)));
                break;
            case IDictionary map:
                // Any other dictionary (string to string, to numbers, …): its keys as text.
                WriteObject(writer, Entries(map));
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    WriteValue(writer, item);
                }
                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void WriteObject(Utf8JsonWriter writer, IEnumerable<(string Key, object? Value)> properties)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in properties)
        {
            writer.WritePropertyName(key);
            WriteValue(writer, value);
        }
        writer.WriteEndObject();
    }

    // IDictionary's own enumerator: a generic dictionary's IEnumerable yields KeyValuePairs, not DictionaryEntry.
    private static IEnumerable<(string Key, object? Value)> Entries(IDictionary map)
    {
        var entries = map.GetEnumerator();
        while (entries.MoveNext())
        {
            yield return (Convert.ToString(entries.Key, CultureInfo.InvariantCulture) ?? "", entries.Value);
        }
    }
}

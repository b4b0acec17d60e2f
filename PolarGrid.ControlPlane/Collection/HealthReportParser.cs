using System.Text.Json;
using PolarGrid.Routing;

namespace PolarGrid.ControlPlane.Collection;

/// <summary>
/// Reads a node's <c>/health</c> report (PolarGrid.ServiceDefaults' JSON writer): overall status, the <c>models</c>
/// check's per-model states and kinds, and the <c>traffic</c> check's counters. A report that says unhealthy means
/// the node cannot serve (its Triton is down, say), so it routes like an unreachable node: <c>down</c>.
/// </summary>
public static class HealthReportParser
{
    private const int MaxReasonLength = 500;

    public static NodeObservation Parse(string colo, DateTimeOffset collectedAt, double latencyMs, int httpStatus, JsonElement report)
    {
        if (httpStatus is not (200 or 503))
        {
            return Down(colo, collectedAt, latencyMs, $"/health answered HTTP {httpStatus}");
        }
        if (report.ValueKind != JsonValueKind.Object
            || !report.TryGetProperty("status", out var statusElement) || statusElement.ValueKind != JsonValueKind.String)
        {
            return Down(colo, collectedAt, latencyMs, "/health did not return a health report");
        }

        var checks = report.TryGetProperty("checks", out var checksElement) && checksElement.ValueKind == JsonValueKind.Object
            ? checksElement
            : default;
        var state = statusElement.GetString() switch
        {
            "healthy" => RoutedNode.Healthy,
            "degraded" => RoutedNode.Degraded,
            _ => RoutedNode.Down,
        };
        var reason = state == RoutedNode.Healthy ? null : Truncate(FailingChecks(checks) is { Length: > 0 } failing
            ? failing
            : $"node reports {statusElement.GetString()}");

        return new NodeObservation(colo, collectedAt, state, reason, latencyMs, Models(checks), Traffic(checks));
    }

    public static NodeObservation Down(string colo, DateTimeOffset collectedAt, double? latencyMs, string reason) =>
        new(colo, collectedAt, RoutedNode.Down, Truncate(reason), latencyMs, [], null);

    private static string FailingChecks(JsonElement checks)
    {
        if (checks.ValueKind != JsonValueKind.Object)
        {
            return "";
        }
        var failing = new List<string>();
        foreach (var check in checks.EnumerateObject())
        {
            var status = Text(check.Value, "status");
            if (status is not null and not "healthy")
            {
                failing.Add(Text(check.Value, "description") is { Length: > 0 } description
                    ? $"{check.Name} {status}: {description}"
                    : $"{check.Name} {status}");
            }
        }
        return string.Join("; ", failing);
    }

    private static List<RoutedModel> Models(JsonElement checks)
    {
        var models = new List<RoutedModel>();
        if (Data(checks, "models") is not { } data)
        {
            return models;
        }
        foreach (var model in data.EnumerateObject())
        {
            if (model.Value.ValueKind == JsonValueKind.Object && Text(model.Value, "state") is { Length: > 0 } state)
            {
                var kind = Text(model.Value, "kind");
                models.Add(new RoutedModel(model.Name, kind is null or "unknown" ? null : kind, state));
            }
        }
        models.Sort((left, right) => string.CompareOrdinal(left.Id, right.Id));
        return models;
    }

    private static NodeTraffic? Traffic(JsonElement checks)
    {
        if (Data(checks, "traffic") is not { } data)
        {
            return null;
        }
        try
        {
            return new NodeTraffic(
                data.GetProperty("started_at").GetDateTimeOffset(),
                data.GetProperty("requests").GetInt64(),
                data.GetProperty("errors").GetInt64(),
                data.TryGetProperty("ttft_count", out var count) ? count.GetInt64() : 0,
                data.TryGetProperty("ttft_sum_ms", out var sum) ? sum.GetDouble() : 0,
                data.TryGetProperty("ttft_bucket_bounds_ms", out var bounds) ? [.. bounds.EnumerateArray().Select(bound => bound.GetDouble())] : [],
                data.TryGetProperty("ttft_bucket_counts", out var counts) ? [.. counts.EnumerateArray().Select(bucket => bucket.GetInt64())] : []);
        }
        catch (Exception error) when (error is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // A gateway of another version may shape its counters differently; its state still counts, its metrics not.
            return null;
        }
    }

    private static JsonElement? Data(JsonElement checks, string check) =>
        checks.ValueKind == JsonValueKind.Object
        && checks.TryGetProperty(check, out var entry) && entry.ValueKind == JsonValueKind.Object
        && entry.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
            ? data
            : null;

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Truncate(string reason) => reason.Length <= MaxReasonLength ? reason : reason[..MaxReasonLength] + "…";
}

using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Writes a health report as JSON so that operators, tests and the control plane's collector read each check's
/// status and data instead of the bare word that ASP.NET Core writes by default.
/// </summary>
public static class HealthReportJsonWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";

        var checks = report.Entries.ToDictionary(
            entry => entry.Key,
            entry => new HealthCheckEntry(
                ToWireStatus(entry.Value.Status),
                entry.Value.Description,
                entry.Value.Duration.TotalMilliseconds,
                entry.Value.Data.Count == 0 ? null : entry.Value.Data));

        var body = new HealthReportBody(ToWireStatus(report.Status), report.TotalDuration.TotalMilliseconds, checks);
        return JsonSerializer.SerializeAsync(context.Response.Body, body, JsonOptions, context.RequestAborted);
    }

    private static string ToWireStatus(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record HealthReportBody(
        string Status, double TotalDurationMs, IReadOnlyDictionary<string, HealthCheckEntry> Checks);

    private sealed record HealthCheckEntry(
        string Status, string? Description, double DurationMs, IReadOnlyDictionary<string, object>? Data);
}

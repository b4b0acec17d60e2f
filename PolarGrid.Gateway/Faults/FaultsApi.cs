using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Gateway.Faults;

public sealed record FaultSettingsBody(
    [property: JsonPropertyName("latency_ms")] double LatencyMs,
    [property: JsonPropertyName("jitter_ms")] double JitterMs,
    [property: JsonPropertyName("error_rate")] double ErrorRate);

[JsonSerializable(typeof(FaultSettingsBody))]
public sealed partial class FaultsJsonContext : JsonSerializerContext;

/// <summary><c>GET/PUT /admin/faults</c>: the local fleet's dashboard commands turn faults on and off through this.</summary>
public static class FaultsApi
{
    public const string KeyHeader = "X-PolarGrid-Fault-Key";

    /// <summary>The longest simulated latency or jitter: a minute.</summary>
    public const double MaxLatencyMs = 60_000;

    public static IEndpointRouteBuilder MapFaultsApi(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetRequiredService<IOptions<FaultOptions>>().Value.AdminKey is not { Length: > 0 })
        {
            return app;
        }
        var api = app.MapGroup("/admin/faults").AddEndpointFilter(async (context, next) =>
            HasKey(context.HttpContext) ? await next(context)
                : new OpenAIException(StatusCodes.Status401Unauthorized, $"The {KeyHeader} header is missing or wrong.", "invalid_request_error").ToResult());
        api.MapGet("/", (FaultState faults) => Results.Json(ToBody(faults.Current), FaultsJsonContext.Default.FaultSettingsBody));
        api.MapPut("/", (FaultSettingsBody body, FaultState faults) =>
        {
            // Bounded so that a TimeSpan can hold them (1e308 ms cannot) and a fault stays a delay, not a hang.
            if (body.LatencyMs is < 0 or > MaxLatencyMs || body.JitterMs is < 0 or > MaxLatencyMs || body.ErrorRate is < 0 or > 1
                || !double.IsFinite(body.LatencyMs) || !double.IsFinite(body.JitterMs) || double.IsNaN(body.ErrorRate))
            {
                return OpenAIException.InvalidRequest($"latency_ms and jitter_ms must be within 0..{MaxLatencyMs} and error_rate within 0..1.", null, "invalid_value").ToResult();
            }
            faults.Set(new FaultSettings(TimeSpan.FromMilliseconds(body.LatencyMs), TimeSpan.FromMilliseconds(body.JitterMs), body.ErrorRate));
            return Results.Json(ToBody(faults.Current), FaultsJsonContext.Default.FaultSettingsBody);
        });
        return app;
    }

    private static bool HasKey(HttpContext context)
    {
        var expected = context.RequestServices.GetRequiredService<IOptions<FaultOptions>>().Value.AdminKey!;
        var given = context.Request.Headers[KeyHeader].ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
    }

    private static FaultSettingsBody ToBody(FaultSettings settings) =>
        new(settings.Latency.TotalMilliseconds, settings.Jitter.TotalMilliseconds, settings.ErrorRate);
}

using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Gateway.Faults;

/// <summary>
/// Applies the simulated faults: every request waits the node's latency (health probes included, so clients see the
/// distance), and inference requests fail at the configured rate before any work is done.
/// </summary>
public sealed class FaultInjectionMiddleware(RequestDelegate next, FaultState faults, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var settings = faults.Current;
        if (settings.IsNone || context.Request.Path.StartsWithSegments("/admin"))
        {
            await next(context);
            return;
        }

        var delay = settings.Latency + settings.Jitter * Random.Shared.NextDouble();
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, time, context.RequestAborted);
        }

        if (settings.ErrorRate > 0 && context.Request.Path.StartsWithSegments("/v1") && Random.Shared.NextDouble() < settings.ErrorRate)
        {
            await OpenAIErrorWriter.WriteAsync(context, new OpenAIException(StatusCodes.Status500InternalServerError,
                "Injected fault: this node is simulating a bad configuration.", "server_error", null, "injected_fault"));
            return;
        }

        await next(context);
    }
}

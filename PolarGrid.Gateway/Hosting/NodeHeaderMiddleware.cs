using Microsoft.Extensions.Options;

namespace PolarGrid.Gateway.Hosting;

/// <summary>
/// Names the node on every response (<c>x-polargrid-colo</c>), so a client behind a router can tell which colo
/// answered, in logs, traces and tests.
/// </summary>
public sealed class NodeHeaderMiddleware(RequestDelegate next, IOptions<GatewayOptions> options)
{
    public const string HeaderName = "x-polargrid-colo";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.Headers[HeaderName] = options.Value.Colo;
        return next(context);
    }
}

namespace PolarGrid.HubServer;

/// <summary>
/// Keeps the two hosts apart: the CDN port answers only <c>/lfs/</c>, the API port never does, so a client that
/// ignores the redirect's host cannot pass by accident. Also applies the rate-limit fault to API traffic.
/// </summary>
public sealed class PortSeparationMiddleware(RequestDelegate next, HubAddresses addresses, FaultInjector faults)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var isBlobPath = context.Request.Path.StartsWithSegments("/lfs", StringComparison.Ordinal);
        var isCdn = addresses.IsCdnRequest(context);
        if (isCdn != isBlobPath)
        {
            await HubErrors.Error(StatusCodes.Status404NotFound, null, "Not found").ExecuteAsync(context);
            return;
        }

        var isProbe = context.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal)
            || context.Request.Path.StartsWithSegments("/alive", StringComparison.Ordinal);
        if (!isCdn && !isProbe && faults.IsRateLimited())
        {
            context.Response.Headers.RetryAfter = "1";
            await HubErrors.Error(StatusCodes.Status429TooManyRequests, "RateLimited", "You have been rate-limited; retry later.").ExecuteAsync(context);
            return;
        }

        await next(context);
    }
}

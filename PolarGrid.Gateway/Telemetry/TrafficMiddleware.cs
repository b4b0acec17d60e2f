namespace PolarGrid.Gateway.Telemetry;

/// <summary>Marks an endpoint whose requests count as inference traffic in the <c>traffic</c> health check.</summary>
public sealed class InferenceTrafficMetadata
{
    public static readonly InferenceTrafficMetadata Instance = new();

    private InferenceTrafficMetadata()
    {
    }
}

/// <summary>
/// Counts every request to an inference endpoint once it has finished, as a failure when the node answered 5xx or the
/// upstream failed after the response had started (a stream's status is already 200 by then). Sits outside the error
/// middleware so it sees the status that error middleware wrote.
/// </summary>
public sealed class TrafficMiddleware(RequestDelegate next, GatewayTelemetry telemetry)
{
    private static readonly object FailedKey = new();

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<InferenceTrafficMetadata>() is null)
        {
            await next(context);
            return;
        }

        try
        {
            await next(context);
        }
        finally
        {
            telemetry.Traffic.RequestCompleted(
                failed: context.Response.StatusCode >= StatusCodes.Status500InternalServerError || context.Items.ContainsKey(FailedKey));
        }
    }

    /// <summary>Records that the upstream failed after the response started.</summary>
    public static void MarkFailed(HttpContext context) => context.Items[FailedKey] = true;
}

public static class TrafficEndpointExtensions
{
    public static TBuilder CountsAsTraffic<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(InferenceTrafficMetadata.Instance);
}

namespace PolarGrid.InferenceServer.Http;

/// <summary>
/// Triton's HTTP health routes. Like Triton they answer with a status code only: 200 for true, 400 for false.
/// </summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapTritonHealthApi(this IEndpointRouteBuilder app, string host)
    {
        app.MapGet("/v2/health/live", (ServerState state) => Answer(state.IsLive)).RequireHost(host);
        app.MapGet("/v2/health/ready", (ServerState state) => Answer(state.IsReady)).RequireHost(host);
        app.MapGet("/v2", (ServerState state) => Results.Json(new
        {
            name = state.Options.Id,
            version = ServerState.Version,
            extensions = Array.Empty<string>(),
        })).RequireHost(host);
        return app;
    }

    private static IResult Answer(bool value) => value ? Results.Ok() : Results.BadRequest();
}

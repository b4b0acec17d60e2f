using PolarGrid.InferenceServer.Models;
using PolarGrid.InferenceServer.Repository;

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
        app.MapGet("/v2/models/{model}/ready", (string model, ModelManager models) => Answer(IsReady(models, model, ""))).RequireHost(host);
        app.MapGet("/v2/models/{model}/versions/{version}/ready", (string model, string version, ModelManager models) =>
            Answer(IsReady(models, model, version))).RequireHost(host);
        app.MapGet("/v2", (ServerState state) => Results.Json(new
        {
            name = state.Options.Id,
            version = ServerState.Version,
            extensions = ServerState.Extensions,
        })).RequireHost(host);
        return app;
    }

    private static bool IsReady(ModelManager models, string model, string version)
    {
        try
        {
            using var lease = models.Acquire(model, version);
            return true;
        }
        catch (InferenceException)
        {
            return false;
        }
    }

    private static IResult Answer(bool value) => value ? Results.Ok() : Results.BadRequest();
}

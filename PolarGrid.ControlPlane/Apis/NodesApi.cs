using PolarGrid.ControlPlane.Data;

namespace PolarGrid.ControlPlane.Apis;

public static class NodesApi
{
    public static IEndpointRouteBuilder MapNodesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/nodes");
        api.MapGet("/", ListNodes);
        return app;
    }

    public static async Task<IResult> ListNodes(NodeRepository nodes, CancellationToken cancellationToken) =>
        Results.Ok(new { nodes = await nodes.ListAsync(cancellationToken) });
}

using Grpc.Core;
using PolarGrid.Gateway.Auth;
using PolarGrid.Gateway.Models;
using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Gateway.Apis;

public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/models").RequireAuthorization(AuthenticationExtensions.InferencePolicy);
        api.MapGet("/", ListModels);
        api.MapGet("/{id}", GetModel);
        return app;
    }

    /// <summary>The models this node can serve now.</summary>
    public static async Task<IResult> ListModels(NodeModels models, CancellationToken cancellationToken)
    {
        var list = await Read(models, cancellationToken);
        return Results.Json(new ModelList("list", list.Where(model => model.State == NodeModel.Ready).Select(ToObject).ToList()),
            OpenAIJsonContext.Default.ModelList);
    }

    /// <summary>One model, in whatever state it is (loading and failed included).</summary>
    public static async Task<IResult> GetModel(string id, NodeModels models, CancellationToken cancellationToken)
    {
        var model = (await Read(models, cancellationToken)).FirstOrDefault(candidate => candidate.Id == id)
            ?? throw OpenAIException.ModelNotFound(id);
        return Results.Json(ToObject(model), OpenAIJsonContext.Default.ModelObject);
    }

    private static async Task<IReadOnlyList<NodeModel>> Read(NodeModels models, CancellationToken cancellationToken)
    {
        try
        {
            return await models.ListAsync(cancellationToken);
        }
        catch (RpcException error)
        {
            throw OpenAIException.UpstreamUnavailable(error.Status.Detail);
        }
    }

    private static ModelObject ToObject(NodeModel model) => new(model.Id, "model", 0, "polargrid",
        new ModelDetails(model.Kind.ToWire(), model.State, model.Reason));
}

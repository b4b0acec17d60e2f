using Microsoft.Extensions.Options;
using PolarGrid.Gateway.Auth;
using PolarGrid.Gateway.Deployment;
using PolarGrid.Gateway.Models;
using PolarGrid.Gateway.OpenAI;
using PolarGrid.Staging;

namespace PolarGrid.Gateway.Apis;

/// <summary>Model deployment as an API call to the node: load from the Hub, follow the job, unload.</summary>
public static class ModelDeploymentApi
{
    public static IEndpointRouteBuilder MapModelDeploymentApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/models").RequireAuthorization(AuthenticationExtensions.ModelsAdminPolicy);
        api.MapPost("/load", LoadModel);
        api.MapGet("/load", ListJobs);
        api.MapGet("/load/{job}", GetJob);
        api.MapDelete("/{id}", UnloadModel);
        return app;
    }

    /// <summary>202 with the new job, or the existing job for the same model and commit (200 once it is ready).</summary>
    public static async Task<IResult> LoadModel(HttpContext context, ModelDeployments deployments, IOptions<GatewayOptions> options)
    {
        using var body = await RequestBody.ReadJsonAsync(context, options.Value.MaxRequestBodyBytes);
        var request = LoadRequest.Parse(body.RootElement);
        var submission = await deployments.SubmitLoadAsync(request, context.RequestAborted);
        var status = submission.Job.Phase == JobPhase.Ready ? StatusCodes.Status200OK : StatusCodes.Status202Accepted;
        return new WithLocation(
            Results.Json(JobResponse.From(submission.Job), DeploymentJsonContext.Default.JobResponse, statusCode: status),
            $"/v1/models/load/{submission.Job.Id}");
    }

    public static IResult ListJobs(LoadJobStore jobs) =>
        Results.Json(new JobList("list", jobs.List().Select(JobResponse.From).ToList()), DeploymentJsonContext.Default.JobList);

    public static IResult GetJob(string job, LoadJobStore jobs)
    {
        var found = StagingNames.IsValidJobId(job) ? jobs.Find(job) : null;
        return found is null
            ? new OpenAIException(StatusCodes.Status404NotFound, $"No model load job `{job}` on this node.", "invalid_request_error", "job", "job_not_found").ToResult()
            : Results.Json(JobResponse.From(found), DeploymentJsonContext.Default.JobResponse);
    }

    /// <summary>
    /// Unloads the model through the sidecar and answers when it is gone (OpenAI's delete shape), or 202 with the job
    /// when the unload takes longer than the configured wait.
    /// </summary>
    public static async Task<IResult> UnloadModel(string id, ModelDeployments deployments, NodeModels models, IOptions<DeploymentOptions> options, CancellationToken cancellationToken)
    {
        if (!StagingNames.IsValidModelName(id) || await models.FindAsync(id, cancellationToken) is null)
        {
            throw OpenAIException.ModelNotFound(id);
        }

        var job = await deployments.SubmitUnloadAsync(id, cancellationToken);
        job = await deployments.WaitAsync(job.Id, options.Value.UnloadWait, cancellationToken);
        return job.Phase switch
        {
            JobPhase.Unloaded => Results.Json(new DeletedModel(id, "model", true), DeploymentJsonContext.Default.DeletedModel),
            JobPhase.Failed => new OpenAIException(StatusCodes.Status500InternalServerError, job.Error?.Message ?? "The unload failed.", "server_error", null, job.Error?.Code).ToResult(),
            _ => new WithLocation(Results.Json(JobResponse.From(job), DeploymentJsonContext.Default.JobResponse, statusCode: StatusCodes.Status202Accepted), $"/v1/models/load/{job.Id}"),
        };
    }

    private sealed class WithLocation(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return inner.ExecuteAsync(httpContext);
        }
    }
}

using Microsoft.Extensions.Options;
using PolarGrid.HuggingFace;
using PolarGrid.Staging;

namespace PolarGrid.Gateway.Deployment;

public static class DeploymentExtensions
{
    /// <summary>Model deployment: the Hub client, the job store and the runner that takes jobs to the sidecar.</summary>
    public static IHostApplicationBuilder AddModelDeployment(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DeploymentOptions>()
            .Bind(builder.Configuration.GetSection(DeploymentOptions.SectionName))
            .Validate(options => options.MaxBatchSize >= 0 && options.MaxFileBytes > 0 && options.MaxConcurrentJobs > 0,
                "Deployment:MaxBatchSize, MaxFileBytes and MaxConcurrentJobs must be positive.")
            .ValidateOnStart();
        builder.Services.AddHuggingFaceHub(builder.Configuration);
        builder.Services.AddSingleton(sp => new StagingLayout(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.StagingPath));
        builder.Services.AddSingleton<LoadJobStore>();
        builder.Services.AddSingleton<ModelDeployments>();
        builder.Services.AddSingleton<DeploymentPlanner>();
        builder.Services.AddSingleton<JobDownloader>();
        builder.Services.AddSingleton<JobPackager>();
        builder.Services.AddSingleton<GatewayAssets>();
        builder.Services.AddHostedService<LoadJobRunner>();
        return builder;
    }
}

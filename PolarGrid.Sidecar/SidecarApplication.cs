using Microsoft.Extensions.Options;
using PolarGrid.Contracts;
using PolarGrid.Sidecar.Health;
using PolarGrid.Sidecar.Packages;
using PolarGrid.Sidecar.Queue;
using PolarGrid.Sidecar.Repository;
using PolarGrid.Sidecar.Telemetry;
using PolarGrid.Sidecar.Triton;
using PolarGrid.Staging;

namespace PolarGrid.Sidecar;

/// <summary>The sidecar, as a table of contents: its settings, the parts of its one loop, and its health.</summary>
public static class SidecarApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        builder.AddServiceDefaults();
        builder.Services.AddOptions<NodeOptions>()
            .Bind(builder.Configuration.GetSection(NodeOptions.SectionName))
            .Validate(options => !string.IsNullOrWhiteSpace(options.StagingPath), "Node:StagingPath is required.")
            .Validate(options => !string.IsNullOrWhiteSpace(options.ModelRepositoryPath), "Node:ModelRepositoryPath is required.")
            .ValidateOnStart();
        builder.Services.AddOptions<SidecarOptions>()
            .Bind(builder.Configuration.GetSection(SidecarOptions.SectionName))
            .Validate(options => options.RescanInterval > TimeSpan.Zero, "Sidecar:RescanInterval must be positive.")
            .Validate(options => options.LoadTimeout > TimeSpan.Zero, "Sidecar:LoadTimeout must be positive.")
            .Validate(options => options.UnloadTimeout > TimeSpan.Zero, "Sidecar:UnloadTimeout must be positive.")
            .Validate(options => options.MaxFileBytes > 0 && options.MaxModelBytes > 0, "Sidecar:MaxFileBytes and Sidecar:MaxModelBytes must be positive.")
            .ValidateOnStart();
        builder.Services.AddTritonClient(builder.Configuration);

        // The two volumes.
        builder.Services.AddSingleton(provider => new StagingLayout(provider.GetRequiredService<IOptions<NodeOptions>>().Value.StagingPath));
        builder.Services.AddSingleton<ModelRepositoryFolder>();

        // One loop: reconcile the repository with Triton, then process packages one at a time.
        builder.Services.AddSingleton<SidecarState>();
        builder.Services.AddSingleton<SidecarTelemetry>();
        builder.Services.AddSingleton<TritonModelControl>();
        builder.Services.AddSingleton<PackageResults>();
        builder.Services.AddSingleton<PackageValidator>();
        builder.Services.AddSingleton<InstallJournals>();
        builder.Services.AddSingleton<ModelInstaller>();
        builder.Services.AddSingleton<PackageProcessor>();
        builder.Services.AddSingleton<RepositoryReconciler>();
        builder.Services.AddSingleton<WakeSignal>();
        builder.Services.AddSingleton<QueueWatcher>();
        builder.Services.AddHostedService<QueueWorker>();

        builder.Services.AddHealthChecks()
            .AddCheck<VolumesHealthCheck>(VolumesHealthCheck.Name)
            .AddCheck<TritonHealthCheck>(TritonHealthCheck.Name)
            .AddCheck<SidecarHealthCheck>(SidecarHealthCheck.Name);

        var app = builder.Build();

        app.MapDefaultEndpoints();

        return app;
    }
}

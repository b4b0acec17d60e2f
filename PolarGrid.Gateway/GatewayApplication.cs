using Microsoft.Extensions.Options;
using PolarGrid.Contracts;
using PolarGrid.Gateway.Apis;
using PolarGrid.Gateway.Auth;
using PolarGrid.Gateway.Deployment;
using PolarGrid.Gateway.Faults;
using PolarGrid.Gateway.Hosting;
using PolarGrid.Gateway.Inference;
using PolarGrid.Gateway.Models;
using PolarGrid.Gateway.OpenAI;
using PolarGrid.Gateway.RateLimiting;
using PolarGrid.Gateway.Telemetry;

namespace PolarGrid.Gateway;

/// <summary>The gateway, as a table of contents: what it registers and what it maps.</summary>
public static class GatewayApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        builder.AddServiceDefaults();
        builder.Services.AddOptions<GatewayOptions>()
            .Bind(builder.Configuration.GetSection(GatewayOptions.SectionName))
            .Validate(options => !string.IsNullOrWhiteSpace(options.Colo), "Node:Colo is required.")
            .Validate(options => !string.IsNullOrWhiteSpace(options.StagingPath), "Node:StagingPath is required.")
            .Validate(options => !string.IsNullOrWhiteSpace(options.DataPath), "Node:DataPath is required.")
            .ValidateOnStart();
        builder.Services.AddOptions<RateLimitOptions>().Bind(builder.Configuration.GetSection(RateLimitOptions.SectionName));

        var limits = builder.Configuration.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>() ?? new GatewayOptions();
        builder.AddGatewayTls(limits.MaxRequestBodyBytes);
        builder.AddGatewayAuthentication();

        builder.Services.AddTritonClient(builder.Configuration);
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddSingleton<NodeModels>();
        builder.Services.AddSingleton<ChatGenerator>();
        builder.Services.AddSingleton<EmbeddingEncoder>();
        builder.Services.AddSingleton<TenantRateLimiter>();
        builder.Services.AddSingleton<GatewayTelemetry>();
        builder.AddModelDeployment();
        builder.Services.AddOptions<FaultOptions>().Bind(builder.Configuration.GetSection(FaultOptions.SectionName));
        builder.Services.AddSingleton<FaultState>();
        builder.Services.AddSingleton<UnmatchedRouteHandler>();
        builder.Services.AddSingleton<LargeRequestMemoryReclaimer>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LargeRequestMemoryReclaimer>());
        // A body or parameter the framework cannot bind throws, so that it is answered as an OpenAI error like any other.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        // The faults API's body is bound by the framework: its metadata must be in the HTTP JSON options (natively
        // compiled, there is no reflection to fall back on).
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, FaultsJsonContext.Default);
            json.SerializerOptions.AllowDuplicateProperties = false;
        });
        builder.Services.AddHealthChecks()
            .AddCheck<TritonHealthCheck>(TritonHealthCheck.Name)
            .AddCheck<ModelsHealthCheck>(ModelsHealthCheck.Name)
            .AddCheck<TrafficHealthCheck>(TrafficHealthCheck.Name);

        var app = builder.Build();

        app.UseMiddleware<NodeHeaderMiddleware>();
        app.UseMiddleware<LargeRequestMemoryMiddleware>();
        app.UseMiddleware<TrafficMiddleware>();
        app.UseMiddleware<OpenAIErrorMiddleware>();
        app.UseMiddleware<HttpStrictnessMiddleware>();
        app.UseMiddleware<FaultInjectionMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapDefaultEndpoints();
        app.MapChatCompletionsApi();
        app.MapEmbeddingsApi();
        app.MapModelsApi();
        app.MapModelDeploymentApi();
        app.MapFaultsApi();
        app.MapFallback((HttpContext context, UnmatchedRouteHandler unmatched) => unmatched.Handle(context));

        return app;
    }
}

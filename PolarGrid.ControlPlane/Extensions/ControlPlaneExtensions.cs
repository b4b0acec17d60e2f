using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PolarGrid.ControlPlane.Admin;
using PolarGrid.ControlPlane.Apis;
using PolarGrid.ControlPlane.Collection;
using PolarGrid.ControlPlane.Data;
using PolarGrid.ControlPlane.Health;
using PolarGrid.ControlPlane.Routing;
using PolarGrid.ControlPlane.Telemetry;

namespace PolarGrid.ControlPlane.Extensions;

/// <summary>The control plane's registrations, one feature per method.</summary>
public static class ControlPlaneExtensions
{
    /// <summary>Options bound from configuration and checked before the first request; a bad secret stops the start.</summary>
    public static IHostApplicationBuilder AddControlPlaneOptions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ControlPlaneOptions>()
            .Bind(builder.Configuration.GetSection(ControlPlaneOptions.SectionName))
            .Validate(options => options.Nodes.All(node => !string.IsNullOrWhiteSpace(node.Colo) && node.PublicUrl is { IsAbsoluteUri: true }),
                "Every ControlPlane:Nodes entry needs a Colo and an absolute PublicUrl.")
            .Validate(options => RoutingKeyRing.IsValidPrivateKey(options.SigningKeyPem),
                "ControlPlane:SigningKeyPem must be a PEM ECDSA P-256 private key.")
            .Validate(options => options.PreviousPublicKeys.Values.All(RoutingKeyRing.IsValidPublicKey),
                "Every ControlPlane:PreviousPublicKeys entry must be a PEM ECDSA P-256 public key.")
            .Validate(options => string.IsNullOrEmpty(options.AdminKey) || options.AdminKey.Length >= AdminKey.MinimumLength,
                $"ControlPlane:AdminKey must be at least {AdminKey.MinimumLength} characters.")
            .ValidateOnStart();
        builder.Services.AddOptions<CollectorOptions>()
            .Bind(builder.Configuration.GetSection(CollectorOptions.SectionName))
            .Validate(options => options.Interval > TimeSpan.Zero && options.Timeout > TimeSpan.Zero && options.MetricsWindow > TimeSpan.Zero,
                "ControlPlane:Collector intervals must be positive.")
            .ValidateOnStart();
        builder.Services.AddOptions<HistoryOptions>()
            .Bind(builder.Configuration.GetSection(HistoryOptions.SectionName))
            .Validate(options => options.SamplesPerNode >= 2 && options.TableVersions >= 1 && options.MaxAge > TimeSpan.Zero,
                "ControlPlane:History keeps at least 2 samples per node, 1 table version and a positive MaxAge.")
            .ValidateOnStart();
        builder.Services.AddOptions<RoutingTableOptions>()
            .Bind(builder.Configuration.GetSection(RoutingTableOptions.SectionName))
            .Validate(options => options.RefreshAfter > TimeSpan.Zero && options.PollInterval > TimeSpan.Zero && options.DatabaseTimeout > TimeSpan.Zero,
                "ControlPlane:RoutingTable intervals must be positive.")
            .ValidateOnStart();
        return builder;
    }

    /// <summary>The registry and history in Postgres, migrated and seeded before the server listens.</summary>
    public static IServiceCollection AddControlPlaneData(this IServiceCollection services)
    {
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<NodeRepository>();
        services.AddSingleton<SampleRepository>();
        services.AddSingleton<RoutingTableRepository>();
        services.AddHostedService<DatabaseInitializer>();
        return services;
    }

    /// <summary>Publishing, signing and serving the routing table.</summary>
    public static IServiceCollection AddRoutingTable(this IServiceCollection services)
    {
        services.AddSingleton<RoutingKeyRing>();
        services.AddSingleton<RoutingTablePublisher>();
        services.AddSingleton<RoutingTableSource>();
        services.AddHostedService<RoutingTableRefresher>();
        return services;
    }

    /// <summary>The collector: one replica at a time pulls every node's <c>/health</c>.</summary>
    public static IServiceCollection AddNodeCollection(this IServiceCollection services)
    {
        services.AddSingleton<CollectorStatus>();
        services.AddSingleton<CollectorLeadership>();
        services.AddSingleton<ControlPlaneTelemetry>();
        services.AddSingleton<NodeProber>();
        services.AddHostedService<NodeCollector>();
        return services;
    }

    /// <summary>The admin API's bearer key.</summary>
    public static IServiceCollection AddAdminAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<AdminKey>();
        services.AddAuthentication(AdminKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthenticationHandler>(AdminKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminKeyAuthenticationHandler.PolicyName, policy => policy
                .AddAuthenticationSchemes(AdminKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser());
        return services;
    }

    /// <summary>Postgres and the served table in <c>/health</c>, degraded (still 200) when the table is stale.</summary>
    public static IServiceCollection AddControlPlaneHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>(DatabaseHealthCheck.Name, failureStatus: HealthStatus.Degraded)
            .AddCheck<RoutingTableHealthCheck>(RoutingTableHealthCheck.Name);
        services.AddProblemDetails();
        services.AddExceptionHandler<DatabaseUnavailableHandler>();
        return services;
    }
}

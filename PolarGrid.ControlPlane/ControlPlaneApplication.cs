using PolarGrid.ControlPlane.Apis;
using PolarGrid.ControlPlane.Extensions;

namespace PolarGrid.ControlPlane;

/// <summary>The control plane, as a table of contents: what it registers and what it maps.</summary>
public static class ControlPlaneApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        builder.AddServiceDefaults();
        // Aspire's own check would report the database unhealthy (503); ours reports it degraded, see DatabaseHealthCheck.
        builder.AddNpgsqlDataSource(connectionName: "polargrid", settings => settings.DisableHealthChecks = true);
        builder.AddControlPlaneOptions();
        builder.Services.AddControlPlaneData();
        builder.Services.AddRoutingTable();
        builder.Services.AddNodeCollection();
        builder.Services.AddAdminAuthentication();
        builder.Services.AddControlPlaneHealthChecks();

        var app = builder.Build();

        app.UseExceptionHandler();
        // A status without a body (401 from the admin key's challenge, 404, routing's 405) gets a problem+json body.
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapDefaultEndpoints();
        app.MapNodesApi();
        app.MapRoutingTableApi();

        return app;
    }
}

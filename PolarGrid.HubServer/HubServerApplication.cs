using Microsoft.AspNetCore.Hosting.Server;

namespace PolarGrid.HubServer;

/// <summary>Composes the local Hub; tests call <see cref="Build"/> and start it in-process on loopback ports.</summary>
public static class HubServerApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        builder.AddServiceDefaults();
        builder.Services.AddOptions<HubOptions>()
            .Bind(builder.Configuration.GetSection(HubOptions.SectionName))
            .Validate(o => o.TreePageSize > 0 && o.LfsThresholdBytes > 0, "Hub:TreePageSize and Hub:LfsThresholdBytes must be positive.")
            .ValidateOnStart();

        // The CDN port is fixed before start and appended to the listen URLs, because Kestrel ignores --urls once
        // endpoints are configured in code, and the API address must stay whatever the host (tests, Aspire) asked for.
        var cdnPort = HubAddresses.ChooseCdnPort(builder.Configuration.GetValue<int>($"{HubOptions.SectionName}:{nameof(HubOptions.CdnPort)}"));
        builder.WebHost.UseUrls([.. ApiUrls(builder.Configuration), $"http://127.0.0.1:{cdnPort}"]);

        builder.Services.AddSingleton(sp => new HubAddresses(cdnPort, sp.GetRequiredService<IServer>()));
        builder.Services.AddSingleton<RepoCatalog>();
        builder.Services.AddSingleton<RepoAccess>();
        builder.Services.AddSingleton<CdnLinkSigner>();
        builder.Services.AddSingleton<FaultInjector>();
        builder.Services.AddHostedService<RepoCatalogLoader>();

        var app = builder.Build();
        app.UseMiddleware<PortSeparationMiddleware>();
        app.MapDefaultEndpoints();
        app.MapModelInfo();
        app.MapTree();
        app.MapResolve();
        app.MapCdn();
        return app;
    }

    // Mirrors Kestrel's own precedence (urls, then http_ports, then its default) since UseUrls replaces it.
    private static IEnumerable<string> ApiUrls(IConfiguration configuration)
    {
        if (configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        if (configuration["http_ports"] is { Length: > 0 } ports)
        {
            return ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}");
        }

        return ["http://localhost:5000"];
    }
}

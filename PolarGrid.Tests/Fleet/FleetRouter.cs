using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PolarGrid.Client;
using PolarGrid.Client.Nodes;
using PolarGrid.Routing;

namespace PolarGrid.Tests.Fleet;

/// <summary>
/// What the fleet's router tests share: a client app with the router added as an application adds it, pinned to the
/// fleet's routing key, and the calls it makes.
/// </summary>
internal static class FleetRouter
{
    /// <summary>A started host with <c>AddPolarGridRouter</c>; <paramref name="settings"/> override or add router keys.</summary>
    public static async Task<IHost> StartAsync(FleetFixture fleet, Uri controlPlane, string cachePath, IReadOnlyDictionary<string, string>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var values = new Dictionary<string, string?>
        {
            [$"{RouterOptions.SectionName}:ControlPlaneUrls:0"] = controlPlane.ToString(),
            [$"{RouterOptions.SectionName}:TrustedKeys:local"] = await File.ReadAllTextAsync(Path.Combine(fleet.DataRoot, "controlplane", "routing-public.pem")),
            [$"{RouterOptions.SectionName}:CachePath"] = cachePath,
            [$"{RouterOptions.SectionName}:ApiKey"] = await fleet.LocalTokenAsync(),
            [$"{RouterOptions.SectionName}:ControlPlaneTimeout"] = "00:00:02",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            values[$"{RouterOptions.SectionName}:{key}"] = value;
        }
        builder.Configuration.AddInMemoryCollection(values);
        builder.Services.AddPolarGridRouter(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>The router's own HttpClient; the bearer token is the caller's business, as with any HttpClient.</summary>
    public static async Task<HttpClient> ClientAsync(FleetFixture fleet, IHost host)
    {
        var http = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(RouterDefaults.HttpClientName);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await fleet.LocalTokenAsync());
        return http;
    }

    public static NodeRegistry Registry(IHost host) => host.Services.GetRequiredService<NodeRegistry>();

    /// <summary>Until every colo has been probed and measured (or 20 s).</summary>
    public static async Task WaitForProbesAsync(IHost host)
    {
        var registry = Registry(host);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((registry.Nodes.Count < FleetFixture.Colos.Length || registry.Nodes.Any(node => node.LastProbe is null || node.MeasuredLatency is null))
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }

    /// <summary>Until <paramref name="condition"/> holds for the router's registry, or <paramref name="within"/> passes.</summary>
    public static async Task<bool> WaitUntilAsync(IHost host, Func<NodeRegistry, bool> condition, TimeSpan within)
    {
        var registry = Registry(host);
        var deadline = DateTime.UtcNow + within;
        while (!condition(registry))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(100);
        }
        return true;
    }

    public static async Task<List<string>> ChatManyAsync(HttpClient http, string model, int count)
    {
        var colos = new List<string>();
        for (var i = 0; i < count; i++)
        {
            colos.Add(await ChatAsync(http, model));
        }
        return colos;
    }

    /// <summary>One short chat completion; the colo that answered.</summary>
    public static async Task<string> ChatAsync(HttpClient http, string model)
    {
        using var response = await http.PostAsJsonAsync("v1/chat/completions",
            new { model, messages = new[] { new { role = "user", content = "Which colo?" } }, max_tokens = 2 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("x-polargrid-colo").Single();
    }

    /// <summary>The control plane's table as served now (through the app host's endpoint), not verified.</summary>
    public static async Task<RoutingTable> TableAsync(HttpClient controlPlane)
    {
        var signed = await controlPlane.GetFromJsonAsync("/v1/routing-table", RoutingJsonContext.Default.SignedRoutingTable);
        return JsonSerializer.Deserialize(System.Buffers.Text.Base64Url.DecodeFromChars(signed!.Payload), RoutingJsonContext.Default.RoutingTable)!;
    }

    public static bool Serves(RoutingTable table, string colo, string model) =>
        table.Nodes.Any(node => node.Colo == colo && node.Models.Any(m => m.Id == model && m.State == "ready"));

    /// <summary>Loads the tiny LLM onto one colo under <paramref name="name"/> and waits for the job to be ready.</summary>
    public static async Task LoadAsync(FleetFixture fleet, string colo, string name)
    {
        using var gateway = await fleet.GatewayClientAsync(colo);
        using var response = await gateway.PostAsJsonAsync("/v1/models/load", new { model = FleetFixture.TinyLlamaRepo, name });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var job = await PolarGrid.Tests.Deployment.DeploymentFixture.WaitForJobAsync(gateway, response.Headers.Location!.OriginalString, TimeSpan.FromMinutes(2));
        Assert.True(job.GetProperty("status").GetString() == "ready", $"{name} on {colo}: {job}");
    }
}

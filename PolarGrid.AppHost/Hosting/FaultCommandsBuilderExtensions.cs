using System.Net.Http.Json;
using Aspire.Hosting.ApplicationModel;
using PolarGrid.AppHost.Fleet;

namespace PolarGrid.AppHost.Hosting;

/// <summary>
/// Fleet faults a developer triggers from the dashboard: on each gateway, inject errors, add latency and clear them
/// (through the gateway's <c>/admin/faults</c>, with a key only the app host and the gateways know). Stopping a gateway,
/// a Triton or the control plane is the dashboard's own Stop command.
/// </summary>
public static class FaultCommandsBuilderExtensions
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static IResourceBuilder<ProjectResource> WithFaults(
        this IResourceBuilder<ProjectResource> gateway, ColoOptions options, string faultKey)
    {
        gateway
            .WithEnvironment("Faults__AdminKey", faultKey)
            .WithEnvironment("Faults__Latency", TimeSpan.FromMilliseconds(options.SimulatedLatencyMs).ToString("c"))
            .WithEnvironment("Faults__Jitter", TimeSpan.FromMilliseconds(options.SimulatedJitterMs).ToString("c"));

        Command("inject-errors", "Inject errors", "ErrorCircle", new(options.SimulatedLatencyMs, options.SimulatedJitterMs, 1.0));
        Command("add-latency", "Add 250 ms latency", "Clock", new(options.SimulatedLatencyMs + 250, options.SimulatedJitterMs, 0));
        Command("clear-faults", "Clear faults", "CheckmarkCircle", new(options.SimulatedLatencyMs, options.SimulatedJitterMs, 0));
        return gateway;

        void Command(string name, string displayName, string icon, FaultBody body) =>
            gateway.WithCommand(name, displayName, context => SetAsync(gateway.Resource, faultKey, body, context.CancellationToken),
                new CommandOptions { IconName = icon, Description = $"{displayName} on this colo's gateway (simulated fault)." });
    }

    private static async Task<ExecuteCommandResult> SetAsync(ProjectResource gateway, string faultKey, FaultBody body, CancellationToken cancellationToken)
    {
        var endpoint = gateway.GetEndpoint(ColoNodeBuilderExtensions.GatewayEndpoint);
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(new Uri(endpoint.Url), "/admin/faults"))
        {
            Content = JsonContent.Create(body),
        };
        request.Headers.Add("X-PolarGrid-Fault-Key", faultKey);
        try
        {
            using var response = await Http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode
                ? CommandResults.Success()
                : CommandResults.Failure($"The gateway answered {(int)response.StatusCode}.");
        }
        catch (HttpRequestException error)
        {
            return CommandResults.Failure($"The gateway is not reachable: {error.Message}");
        }
    }

    private sealed record FaultBody(
        [property: System.Text.Json.Serialization.JsonPropertyName("latency_ms")] double LatencyMs,
        [property: System.Text.Json.Serialization.JsonPropertyName("jitter_ms")] double JitterMs,
        [property: System.Text.Json.Serialization.JsonPropertyName("error_rate")] double ErrorRate);
}

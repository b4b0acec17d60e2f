using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Inference;
using Microsoft.Extensions.DependencyInjection;
using PolarGrid.Contracts;
using Xunit.Abstractions;

namespace PolarGrid.Tests.Fleet;

[Collection(FleetCollection.Name)]
public sealed class FleetTests(FleetFixture fleet, ITestOutputHelper output)
{
    [Fact]
    public async Task Every_resource_is_running_and_healthy()
    {
        output.WriteLine($"Fleet start-up (create app host → all healthy): {fleet.StartupTime.TotalSeconds:F1} s");

        foreach (var name in FleetFixture.ResourceNames())
        {
            var resource = await fleet.App.ResourceNotifications.WaitForResourceHealthyAsync(name);
            Assert.Equal(KnownResourceStates.Running, resource.Snapshot.State?.Text);
        }
    }

    [Theory]
    [InlineData("yvr")]
    [InlineData("yyz")]
    [InlineData("yul")]
    public async Task Each_gateway_answers_health_and_talks_to_its_own_colos_triton(string colo)
    {
        using var gateway = fleet.App.CreateHttpClient($"{colo}-gateway", "http");
        using var response = await gateway.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var health = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        var triton = health.GetProperty("checks").GetProperty("triton").GetProperty("data");

        // The Triton that answered identifies itself by its --id; its internal address is not told to the internet.
        Assert.Equal($"{colo}-triton", triton.GetProperty("server").GetString());
        Assert.False(triton.TryGetProperty("endpoint", out _));
        var port = fleet.App.GetEndpoint($"{colo}-triton", "grpc").Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.DoesNotContain($"127.0.0.1:{port}", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("yvr")]
    [InlineData("yyz")]
    [InlineData("yul")]
    public async Task Each_sidecar_is_healthy_over_its_own_volumes_and_triton(string colo)
    {
        using var sidecar = fleet.App.CreateHttpClient($"{colo}-sidecar", "http");
        var health = await sidecar.GetFromJsonAsync<JsonElement>("/health");

        var checks = health.GetProperty("checks");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal($"{colo}-triton", checks.GetProperty("triton").GetProperty("data").GetProperty("server").GetString());
        var volumes = checks.GetProperty("volumes").GetProperty("data");
        Assert.EndsWith(Path.Combine(colo, "staging"), volumes.GetProperty("staging").GetString());
        Assert.EndsWith(Path.Combine(colo, "models"), volumes.GetProperty("models").GetString());
    }

    [Theory]
    [InlineData("yvr")]
    [InlineData("yyz")]
    [InlineData("yul")]
    public async Task Each_triton_speaks_the_triton_grpc_protocol_on_loopback_only(string colo)
    {
        var endpoint = fleet.App.GetEndpoint($"{colo}-triton", "grpc");
        var client = NewTritonClient(new Uri($"http://127.0.0.1:{endpoint.Port}"));

        Assert.True(await client.IsLiveAsync());
        Assert.True(await client.IsReadyAsync());
        Assert.Equal($"{colo}-triton", (await client.GetServerMetadataAsync()).Name);

        // Bound to 127.0.0.1 only: the machine's other addresses do not answer.
        foreach (var address in NonLoopbackAddresses())
        {
            var outside = NewTritonClient(new Uri($"http://{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString())}:{endpoint.Port}"));
            await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => outside.IsLiveAsync());
        }
    }

    [Fact]
    public async Task The_local_token_the_app_host_hands_out_opens_every_gateway_and_the_models_list()
    {
        var token = await File.ReadAllTextAsync(Path.Combine(fleet.DataRoot, "auth", "token"));
        foreach (var colo in FleetFixture.Colos)
        {
            using var gateway = fleet.App.CreateHttpClient($"{colo}-gateway", "http");
            using var anonymous = await gateway.GetAsync("/v1/models");
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

            gateway.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            var models = await gateway.GetFromJsonAsync<JsonElement>("/v1/models");
            Assert.Equal("list", models.GetProperty("object").GetString());
        }
    }

    [Fact]
    public async Task The_local_hub_serves_minilm_in_the_hubs_layout()
    {
        using var hub = fleet.App.CreateHttpClient("hub", "http");
        var info = await hub.GetFromJsonAsync<JsonElement>("/api/models/sentence-transformers/all-MiniLM-L6-v2");
        Assert.Contains(info.GetProperty("siblings").EnumerateArray(), sibling => sibling.GetProperty("rfilename").GetString() == "vocab.txt");
    }

    [Fact]
    public async Task Control_plane_lists_every_colo_from_postgres()
    {
        using var controlPlane = fleet.App.CreateHttpClient("controlplane", "http");
        var body = await controlPlane.GetFromJsonAsync<JsonElement>("/v1/nodes");
        var nodes = body.GetProperty("nodes").EnumerateArray().ToDictionary(node => node.GetProperty("colo").GetString()!);

        Assert.Equal(FleetFixture.Colos.Order(), nodes.Keys.Order());
        foreach (var colo in FleetFixture.Colos)
        {
            // Each row carries the gateway's real address, written at start and read back from Postgres.
            var gateway = fleet.App.GetEndpoint($"{colo}-gateway", "http");
            Assert.Equal(gateway.Port, new Uri(nodes[colo].GetProperty("publicUrl").GetString()!).Port);
            Assert.True(nodes[colo].GetProperty("updatedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(-1));
        }

        var connectionString = await fleet.App.GetConnectionStringAsync("polargrid");
        Assert.Contains("Database=polargrid", connectionString);
    }

    [Fact]
    public async Task Control_plane_health_includes_its_database()
    {
        using var controlPlane = fleet.App.CreateHttpClient("controlplane", "http");
        var health = await controlPlane.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Contains(health.GetProperty("checks").EnumerateObject(), check => check.Name.Contains("Postgre", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Control_plane_runs_two_replicas()
    {
        var controlPlane = fleet.App.Services.GetRequiredService<DistributedApplicationModel>()
            .Resources.Single(resource => resource.Name == "controlplane");
        Assert.Equal(2, controlPlane.Annotations.OfType<ReplicaAnnotation>().Single().Replicas);
    }

    private static TritonClient NewTritonClient(Uri endpoint) =>
        new(new GRPCInferenceService.GRPCInferenceServiceClient(
            TritonChannelFactory.Create(new TritonClientOptions { Endpoint = endpoint })), TimeSpan.FromSeconds(5));

    private static IEnumerable<IPAddress> NonLoopbackAddresses() =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .Where(address => !IPAddress.IsLoopback(address) && !address.IsIPv6LinkLocal);
}

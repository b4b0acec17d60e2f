using System.Net;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace PolarGrid.Tests.Fleet;

/// <summary>The dashboard's fault commands act on one colo's gateway and nothing else.</summary>
[Collection(FleetCollection.Name)]
public sealed class FleetFaultTests(FleetFixture fleet)
{
    [Fact]
    public async Task Inject_errors_breaks_only_that_colos_inference_until_faults_are_cleared()
    {
        var commands = fleet.App.Services.GetRequiredService<ResourceCommandService>();
        using var yul = await GatewayAsync("yul");
        using var yyz = await GatewayAsync("yyz");
        try
        {
            var result = await commands.ExecuteCommandAsync("yul-gateway", "inject-errors", CancellationToken.None);
            Assert.True(result.Success, result.Message);

            using var broken = await yul.GetAsync("/v1/models");
            Assert.Equal(HttpStatusCode.InternalServerError, broken.StatusCode);
            using var other = await yyz.GetAsync("/v1/models");
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }
        finally
        {
            var cleared = await commands.ExecuteCommandAsync("yul-gateway", "clear-faults", CancellationToken.None);
            Assert.True(cleared.Success, cleared.Message);
        }
        using var healed = await yul.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.OK, healed.StatusCode);
    }

    private Task<HttpClient> GatewayAsync(string colo) => fleet.GatewayClientAsync(colo);
}

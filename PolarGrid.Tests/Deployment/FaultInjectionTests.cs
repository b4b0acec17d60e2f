using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace PolarGrid.Tests.Deployment;

/// <summary>The simulated faults the local fleet's dashboard commands switch on: errors and added latency.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class FaultInjectionTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task Injected_errors_fail_inference_in_the_OpenAI_shape_while_health_stays_up_until_cleared()
    {
        using var http = fixture.Http();
        try
        {
            await SetFaultsAsync(http, new { latency_ms = 0, jitter_ms = 0, error_rate = 1.0 }, HttpStatusCode.OK);

            using var models = await http.GetAsync("/v1/models");
            Assert.Equal(HttpStatusCode.InternalServerError, models.StatusCode);
            var error = (await models.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.Equal("injected_fault", error.GetProperty("code").GetString());
            using var health = await http.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        finally
        {
            await SetFaultsAsync(http, new { latency_ms = 0, jitter_ms = 0, error_rate = 0.0 }, HttpStatusCode.OK);
        }
        using var healed = await http.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.OK, healed.StatusCode);
    }

    [Fact]
    public async Task Added_latency_delays_every_request_including_health_probes()
    {
        using var http = fixture.Http();
        try
        {
            await SetFaultsAsync(http, new { latency_ms = 300, jitter_ms = 0, error_rate = 0.0 }, HttpStatusCode.OK);
            var stopwatch = Stopwatch.StartNew();
            using var health = await http.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            // A lower bound only: the injected wait is guaranteed, anything above it is the machine. The timer
            // behind Task.Delay and the Stopwatch are different clocks, so allow the timer's granularity early.
            Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(300) - TimerGranularity, $"took {stopwatch.Elapsed}");
        }
        finally
        {
            await SetFaultsAsync(http, new { latency_ms = 0, jitter_ms = 0, error_rate = 0.0 }, HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task The_fault_switch_needs_the_fault_key()
    {
        using var http = fixture.Http();
        using var request = new HttpRequestMessage(HttpMethod.Put, "/admin/faults") { Content = JsonContent.Create(new { latency_ms = 0, jitter_ms = 0, error_rate = 1.0 }) };
        request.Headers.Add("X-PolarGrid-Fault-Key", "wrong");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var models = await http.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
    }

    private static readonly TimeSpan TimerGranularity = TimeSpan.FromMilliseconds(16);

    private static async Task SetFaultsAsync(HttpClient http, object body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/admin/faults") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-PolarGrid-Fault-Key", DeploymentFixture.FaultKey);
        using var response = await http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace PolarGrid.Tests.Fleet;

/// <summary>A node's Triton that dies comes back by itself with its models, as a pod does; one that is stopped stays stopped.</summary>
[Collection(FleetCollection.Name)]
public sealed class FleetRecoveryTests(FleetFixture fleet)
{
    private const string Colo = "yul";
    private const string Triton = $"{Colo}-triton";

    // Another colo's: its Triton is the one the fleet started, whatever the test above did to yul's.
    private const string StoppedTriton = "yyz-triton";
    private const string Model = "recovery-chat";

    [Fact]
    public async Task A_killed_triton_is_started_again_and_the_sidecar_loads_its_models_back()
    {
        using var gateway = await fleet.GatewayClientAsync(Colo);
        using (var load = await gateway.PostAsJsonAsync("/v1/models/load", new { model = FleetFixture.TinyLlamaRepo, name = Model }))
        {
            Assert.Equal(HttpStatusCode.Accepted, load.StatusCode);
            var job = await PolarGrid.Tests.Deployment.DeploymentFixture.WaitForJobAsync(gateway, load.Headers.Location!.OriginalString, TimeSpan.FromMinutes(2));
            Assert.True(job.GetProperty("status").GetString() == "ready", job.ToString());
        }
        await ChatAsync(gateway);

        var killed = fleet.ProcessId(Triton);
        using (var process = Process.GetProcessById(killed))
        {
            process.Kill(entireProcessTree: true); // SIGKILL: what the kernel does to a crashed process, as far as its parent sees.
            await process.WaitForExitAsync();
        }

        // Seen to end, started again by the app host (a new process), and the repository's model is loaded into it again.
        await fleet.App.ResourceNotifications.WaitForResourceAsync(Triton, KnownResourceStates.TerminalStates).WaitAsync(TimeSpan.FromMinutes(1));
        await fleet.App.ResourceNotifications.WaitForResourceAsync(Triton,
            update => update.Snapshot.State?.Text == KnownResourceStates.Running && update.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
            .WaitAsync(TimeSpan.FromMinutes(2));
        Assert.NotEqual(killed, fleet.ProcessId(Triton));
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (await ModelStateAsync(gateway) != "ready")
        {
            Assert.True(DateTime.UtcNow < deadline, $"{Model} did not come back after Triton's restart: {await ModelStateAsync(gateway)}");
            await Task.Delay(200);
        }
        await ChatAsync(gateway);
    }

    [Fact]
    public async Task A_triton_stopped_from_the_dashboard_is_not_started_again_until_started_and_then_crashes()
    {
        var commands = fleet.App.Services.GetRequiredService<ResourceCommandService>();
        await fleet.App.ResourceNotifications.WaitForResourceHealthyAsync(StoppedTriton).WaitAsync(TimeSpan.FromMinutes(2));
        using var watching = new CancellationTokenSource();
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var watch = Task.Run(async () =>
        {
            await foreach (var update in fleet.App.ResourceNotifications.WatchAsync(watching.Token))
            {
                if (update.Resource.Name == StoppedTriton)
                {
                    seen.Enqueue($"{update.Snapshot.State?.Text}/{update.Snapshot.ExitCode}");
                }
            }
        });
        // Not asserted: on this busy machine the orchestrator can report a stop as timed out although the process ends.
        await commands.ExecuteCommandAsync(StoppedTriton, KnownResourceCommands.StopCommand, CancellationToken.None);
        try
        {
            // Stopped: past Stopping (the orchestrator may then say Exited, Finished or, for a project it stopped, Unknown).
            try
            {
                await fleet.App.ResourceNotifications.WaitForResourceAsync(StoppedTriton, update => IsStopped(update.Snapshot.State?.Text))
                    .WaitAsync(TimeSpan.FromMinutes(1));
            }
            catch (TimeoutException)
            {
                Assert.Fail($"{StoppedTriton} did not stop: {string.Join(" ", seen)}");
            }
            // Longer than the first crash back-off (1 s): a restart would have begun by now.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.True(fleet.App.ResourceNotifications.TryGetCurrentState(StoppedTriton, out var current));
            Assert.True(IsStopped(current.Snapshot.State?.Text), string.Join(" ", seen));
        }
        finally
        {
            // Hand the fleet on whole, whatever happened above.
            await fleet.StartAllInstancesAsync(StoppedTriton, TimeSpan.FromMinutes(2));
            await fleet.WaitUntilHealthyAsync(StoppedTriton);
            await watching.CancelAsync();
            await watch.ContinueWith(static _ => { });
        }

        // Started again, the stop is over: a crash after it is restarted like any other.
        var started = fleet.ProcessId(StoppedTriton);
        using (var process = Process.GetProcessById(started))
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        await fleet.App.ResourceNotifications.WaitForResourceAsync(StoppedTriton,
                update => update.Snapshot.State?.Text == KnownResourceStates.Running && update.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                    && update.Snapshot.Properties.FirstOrDefault(property => property.Name == "executable.pid")?.Value is { } pid
                    && Convert.ToInt32(pid, CultureInfo.InvariantCulture) != started)
            .WaitAsync(TimeSpan.FromMinutes(2));

        // Hand the fleet on as the other tests expect it: yyz's gateway serving again through its new Triton.
        using var gateway = await fleet.GatewayClientAsync("yyz");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            using var models = await gateway.GetAsync("/v1/models");
            if (models.StatusCode == HttpStatusCode.OK)
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, $"yyz's gateway did not serve again after its Triton's restart: {models.StatusCode}");
            await Task.Delay(200);
        }
    }

    private static bool IsStopped(string? state) =>
        state is not (null or "Running" or "Starting" or "Stopping" or "Waiting" or "NotStarted");

    private static async Task<string?> ModelStateAsync(HttpClient gateway)
    {
        // 503 while the gateway still sees Triton down: the body says the same, model by model.
        using var response = await gateway.GetAsync("/health");
        var health = await response.Content.ReadFromJsonAsync<JsonElement>();
        return health.GetProperty("checks").GetProperty("models").TryGetProperty("data", out var models) && models.TryGetProperty(Model, out var model)
            ? model.GetProperty("state").GetString()
            : null;
    }

    private static async Task ChatAsync(HttpClient gateway)
    {
        using var chat = await gateway.PostAsJsonAsync("/v1/chat/completions",
            new { model = Model, messages = new[] { new { role = "user", content = "Still there?" } }, max_tokens = 4 });
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
    }
}

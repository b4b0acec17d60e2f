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

        var killed = Pid(Triton);
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
        Assert.NotEqual(killed, Pid(Triton));
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (await ModelStateAsync(gateway) != "ready")
        {
            Assert.True(DateTime.UtcNow < deadline, $"{Model} did not come back after Triton's restart: {await ModelStateAsync(gateway)}");
            await Task.Delay(200);
        }
        await ChatAsync(gateway);
    }

    [Fact]
    public async Task A_triton_stopped_from_the_dashboard_is_not_started_again()
    {
        var commands = fleet.App.Services.GetRequiredService<ResourceCommandService>();
        await fleet.App.ResourceNotifications.WaitForResourceHealthyAsync(Triton).WaitAsync(TimeSpan.FromMinutes(2));
        using var watching = new CancellationTokenSource();
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var watch = Task.Run(async () =>
        {
            await foreach (var update in fleet.App.ResourceNotifications.WatchAsync(watching.Token))
            {
                if (update.Resource.Name == Triton)
                {
                    seen.Enqueue($"{update.Snapshot.State?.Text}/{update.Snapshot.ExitCode}");
                }
            }
        });
        Assert.True((await commands.ExecuteCommandAsync(Triton, KnownResourceCommands.StopCommand, CancellationToken.None)).Success);
        try
        {
            await fleet.App.ResourceNotifications.WaitForResourceAsync(Triton, KnownResourceStates.TerminalStates).WaitAsync(TimeSpan.FromMinutes(1));
            // Longer than the first crash back-off (1 s): a restart would have begun by now.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.True(fleet.App.ResourceNotifications.TryGetCurrentState(Triton, out var current));
            Assert.True(KnownResourceStates.TerminalStates.Contains(current.Snapshot.State?.Text), string.Join(" ", seen));
        }
        finally
        {
            Assert.True((await commands.ExecuteCommandAsync(Triton, KnownResourceCommands.StartCommand, CancellationToken.None)).Success);
            await fleet.App.ResourceNotifications.WaitForResourceHealthyAsync(Triton).WaitAsync(TimeSpan.FromMinutes(2));
            await watching.CancelAsync();
            await watch.ContinueWith(static _ => { });
        }
    }

    private int Pid(string resource)
    {
        Assert.True(fleet.App.ResourceNotifications.TryGetCurrentState(resource, out var current));
        var pid = current.Snapshot.Properties.FirstOrDefault(property => property.Name == "executable.pid")?.Value;
        return Convert.ToInt32(pid, CultureInfo.InvariantCulture);
    }

    private static async Task<string?> ModelStateAsync(HttpClient gateway)
    {
        var health = await gateway.GetFromJsonAsync<JsonElement>("/health");
        return health.GetProperty("checks").GetProperty("models").GetProperty("data").TryGetProperty(Model, out var model)
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

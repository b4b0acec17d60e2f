using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using PolarGrid.HubServer;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Deployment;

/// <summary>A gateway killed in the middle of a download: nothing half-written is ever loaded, and the job finishes.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class CrashSafetyTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task A_gateway_killed_mid_download_resumes_the_job_after_restart_and_loads_the_model_whole()
    {
        // A slow link, so the kill lands while bytes are still arriving.
        await using var slowHub = await StartSlowHubAsync(bytesPerSecond: 2 * 1024 * 1024);
        string[] settings = [.. fixture.GatewaySettings(), $"--HF_ENDPOINT={slowHub.Address}"];

        string location;
        await using (var first = await GatewayProcess.StartAsync(settings))
        {
            using var http = first.CreateClient(fixture.Token());
            using var response = await http.PostAsJsonAsync("/v1/models/load", new { model = DeploymentFixture.TinyLlama, name = "crash-llama" });
            location = response.Headers.Location!.OriginalString;
            var incoming = Path.Combine(fixture.Staging, ".incoming", location[(location.LastIndexOf('/') + 1)..]);
            // Bytes done can be a small file already finished; the kill must land inside a partly written one.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!HasPartialFile(incoming) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            var job = await http.GetFromJsonAsync<JsonElement>(location);
            Assert.Equal("downloading", job.GetProperty("status").GetString());
        } // Killed, not stopped.

        var id = location[(location.LastIndexOf('/') + 1)..];
        Assert.False(Directory.Exists(Path.Combine(fixture.Staging, "queue", id)));
        Assert.False(Directory.Exists(Path.Combine(fixture.Repository, "crash-llama")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(fixture.Staging, ".incoming", id), "*.incomplete", SearchOption.AllDirectories));

        await using var second = await GatewayProcess.StartAsync(settings);
        using var resumed = second.CreateClient(fixture.Token());
        var final = await DeploymentFixture.WaitForJobAsync(resumed, location, TimeSpan.FromSeconds(90));
        Assert.True(final.GetProperty("status").GetString() == "ready", final.ToString());
        Assert.False(Directory.Exists(Path.Combine(fixture.Staging, ".incoming", id)));

        using var chat = await resumed.PostAsJsonAsync("/v1/chat/completions",
            new { model = "crash-llama", messages = new[] { new { role = "user", content = "Still there?" } }, max_tokens = 4 });
        Assert.Equal(System.Net.HttpStatusCode.OK, chat.StatusCode);
    }

    private static bool HasPartialFile(string folder)
    {
        try
        {
            return Directory.Exists(folder) &&
                Directory.EnumerateFiles(folder, "*.incomplete", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 0);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            // A small file finished and was moved into place between listing and reading its length: not this one.
            return false;
        }
    }

    private static async Task<SlowHub> StartSlowHubAsync(long bytesPerSecond)
    {
        var app = HubServerApplication.Build(["--urls=http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Hub:IncludeMiniLm"] = "false",
                [$"Hub:Repositories:{DeploymentFixture.TinyLlama}"] = TestModels.TinyLlamaDirectory,
                ["Hub:Faults:CdnBytesPerSecond"] = bytesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync();
        return new SlowHub(app);
    }

    private sealed class SlowHub(WebApplication app) : IAsyncDisposable
    {
        public Uri Address { get; } = ((HubAddresses)app.Services.GetService(typeof(HubAddresses))!).ApiBaseAddress;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PolarGrid.Auth;
using PolarGrid.HubServer;
using PolarGrid.Testing;

namespace PolarGrid.Bench;

/// <summary>
/// API call to ready: <c>POST /v1/models/load</c> of the tiny LLM on a node of real processes (gateway, sidecar,
/// inference server) fed by the local Hub, timed until the job reports ready, each run under a new served name.
/// </summary>
public static class DeploymentBenchmark
{
    private const string RepoId = "polargrid/tiny-random-llama-onnx";

    public static async Task RunAsync(int runs)
    {
        using var root = new ScratchDirectory("polargrid-bench-deploy");
        var (staging, repository, data) = (Path.Combine(root.Path, "staging"), Path.Combine(root.Path, "repository"), Path.Combine(root.Path, "gateway"));
        Directory.CreateDirectory(staging);
        Directory.CreateDirectory(repository);

        var hub = HubServerApplication.Build(["--urls=http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Hub:IncludeMiniLm"] = "false",
                [$"Hub:Repositories:{RepoId}"] = TestModels.TinyLlamaDirectory,
            });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await hub.StartAsync();
        var hubAddress = hub.Services.GetRequiredService<HubAddresses>().ApiBaseAddress;

        await using var server = await InferenceServerProcess.StartAsync(repository, "--model-control-mode=explicit");
        await using var sidecar = await SidecarProcess.StartAsync(
        [
            "--Node:Colo=bench", $"--Node:StagingPath={staging}", $"--Node:ModelRepositoryPath={repository}", $"--Triton:Endpoint={server.GrpcAddress}",
        ]);
        var secret = SigningKeys.NewSecret();
        await using var gateway = await GatewayProcess.StartAsync(
        [
            "--Node:Colo=bench", $"--Node:StagingPath={staging}", $"--Node:DataPath={data}",
            $"--Triton:Endpoint={server.GrpcAddress}", "--Tls:AllowPlainHttp=true",
            "--Auth:SigningKeys:0:Kid=bench", "--Auth:SigningKeys:0:Algorithm=HS256", $"--Auth:SigningKeys:0:Secret={secret}",
            $"--HF_ENDPOINT={hubAddress}", "--Deployment:ResultPollInterval=00:00:00.020",
        ]);
        var token = TokenIssuer.Mint(new JwtAuthOptions(), SigningKeys.Build(new SigningKeyOptions { Kid = "bench", Algorithm = "HS256", Secret = secret }),
            "bench", [Scopes.ModelsAdmin, Scopes.Inference], TimeSpan.FromHours(1));
        using var http = gateway.CreateClient(token);

        var times = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var stopwatch = Stopwatch.StartNew();
            using var response = await http.PostAsJsonAsync("/v1/models/load", new { model = RepoId, name = $"tiny-{run}" });
            response.EnsureSuccessStatusCode();
            var location = response.Headers.Location!.OriginalString;
            var accepted = stopwatch.Elapsed;
            var phases = new List<string>();
            string status = "";
            do
            {
                await Task.Delay(10);
                var next = (await http.GetFromJsonAsync<JsonElement>(location)).GetProperty("status").GetString()!;
                if (next != status)
                {
                    phases.Add($"{next}@{stopwatch.Elapsed.TotalMilliseconds:F0}");
                    status = next;
                }
            }
            while (status is not ("ready" or "failed"));
            stopwatch.Stop();
            if (status != "ready")
            {
                throw new InvalidOperationException($"run {run} failed: {await http.GetStringAsync(location)}");
            }
            times.Add(stopwatch.Elapsed.TotalMilliseconds);
            Console.WriteLine($"run {run}: API call to ready {stopwatch.Elapsed.TotalMilliseconds:F0} ms (202 after {accepted.TotalMilliseconds:F0} ms; {string.Join(", ", phases)})");
        }

        var sorted = times.Skip(1).Order().ToList();
        Console.WriteLine($"tiny LLM, API call to ready: first {times[0]:F0} ms; after warm-up median {(sorted.Count > 0 ? sorted[sorted.Count / 2] : times[0]):F0} ms, max {(sorted.Count > 0 ? sorted[^1] : times[0]):F0} ms (target ≤ 3000 ms)");
        await hub.StopAsync();
        await hub.DisposeAsync();
    }
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using PolarGrid.Auth;
using PolarGrid.Gateway;
using PolarGrid.HubServer;
using PolarGrid.InferenceServer;
using PolarGrid.Sidecar;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Deployment;

/// <summary>
/// One node with nothing loaded — gateway, sidecar and inference server, all real, over real volumes in a scratch
/// folder — and a local Hub that serves the tiny LLM, MiniLM and a few repositories the node must refuse.
/// </summary>
public sealed class DeploymentFixture : IAsyncLifetime
{
    public const string TinyLlama = "polargrid/tiny-random-llama-onnx";
    public const string MiniLm = MiniLmRepository.RepoId;
    public const string Gated = "polargrid/gated-llama";
    public const string Pickled = "polargrid/pickled";
    public const string RemoteCode = "polargrid/remote-code";
    public const string HubToken = "hf_gateway_token";
    public const string FaultKey = "test-fault-key";

    private const string Issuer = "polargrid-test";
    private const string Audience = "polargrid-gateway";
    private static readonly string Secret = Convert.ToBase64String(SHA256.HashData("polargrid-deployment-test"u8));

    private readonly ScratchDirectory _root = new("polargrid-deployment");

    public WebApplication Hub { get; private set; } = null!;
    public WebApplication Server { get; private set; } = null!;
    public WebApplication Sidecar { get; private set; } = null!;
    public WebApplication Gateway { get; private set; } = null!;
    public Uri Address { get; private set; } = null!;
    public Uri HubAddress { get; private set; } = null!;
    public Uri TritonAddress { get; private set; } = null!;

    /// <summary>Whether the node gets this fixture's in-process gateway; a fixture that runs its own gateway turns it off.</summary>
    public bool StartsGateway { get; init; } = true;

    public string Staging => Path.Combine(_root.Path, "staging");
    public string Repository => Path.Combine(_root.Path, "repository");
    public string GatewayData => Path.Combine(_root.Path, "gateway");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Staging);
        Directory.CreateDirectory(Repository);
        await StartHubAsync();

        var (grpc, http, metrics) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        TritonAddress = new Uri($"http://127.0.0.1:{grpc}");
        Server = InferenceServerApplication.Build(new ServerOptions
        {
            Id = "deployment-triton",
            ModelRepositories = [Repository],
            ModelControlMode = ModelControlMode.Explicit,
            GrpcAddress = "127.0.0.1", GrpcPort = grpc,
            HttpAddress = "127.0.0.1", HttpPort = http,
            MetricsAddress = "127.0.0.1", MetricsPort = metrics,
        });
        await Server.StartAsync();

        Sidecar = SidecarApplication.Build(
        [
            $"--urls=http://127.0.0.1:{FreePort.Next()}",
            "--Node:Colo=test", $"--Node:StagingPath={Staging}", $"--Node:ModelRepositoryPath={Repository}",
            $"--Triton:Endpoint={TritonAddress}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await Sidecar.StartAsync();

        if (StartsGateway)
        {
            Address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
            Gateway = GatewayApplication.Build([$"--urls={Address}", .. GatewaySettings()]);
            await Gateway.StartAsync();
        }
    }

    /// <summary>Everything a gateway of this node is started with (tests start a second one as a process).</summary>
    public IEnumerable<string> GatewaySettings() =>
    [
        "--Node:Colo=test", $"--Node:StagingPath={Staging}", $"--Node:DataPath={GatewayData}",
        $"--Triton:Endpoint={TritonAddress}",
        "--Tls:AllowPlainHttp=true",
        $"--Auth:Issuer={Issuer}", $"--Auth:Audience={Audience}",
        "--Auth:SigningKeys:0:Kid=test", "--Auth:SigningKeys:0:Algorithm=HS256", $"--Auth:SigningKeys:0:Secret={Secret}",
        "--RateLimits:Tiers:default:RequestsPerMinute=100000", "--RateLimits:Tiers:default:TokensPerMinute=100000000",
        $"--HF_ENDPOINT={HubAddress}", $"--HF_TOKEN={HubToken}",
        "--Deployment:ResultPollInterval=00:00:00.050",
        $"--Faults:AdminKey={FaultKey}",
        "--Logging:LogLevel:Default=Warning",
    ];

    private async Task StartHubAsync()
    {
        var pickled = Path.Combine(_root.Path, "hub", "pickled");
        Directory.CreateDirectory(pickled);
        File.WriteAllText(Path.Combine(pickled, "config.json"), """{"model_type":"gpt2","architectures":["GPT2LMHeadModel"]}""");
        File.WriteAllBytes(Path.Combine(pickled, "pytorch_model.bin"), RandomNumberGenerator.GetBytes(4096));

        // A loadable ONNX graph whose config asks for the repository's own Python code.
        var remote = Path.Combine(_root.Path, "hub", "remote-code");
        Directory.CreateDirectory(remote);
        File.WriteAllBytes(Path.Combine(remote, "model.onnx"), OnnxModelBuilder.Identity("FP32", 4));
        File.WriteAllText(Path.Combine(remote, "config.json"),
            """{"model_type":"custom","auto_map":{"AutoModel":"modeling_custom.CustomModel"},"max_position_embeddings":128}""");
        File.WriteAllText(Path.Combine(remote, "modeling_custom.py"), "import os\nos.system('echo pwned')\n");

        var settings = new Dictionary<string, string?>
        {
            ["Hub:IncludeMiniLm"] = "true",
            ["Hub:CacheDirectory"] = Path.Combine(Path.GetTempPath(), "polargrid-hub-cache"),
            [$"Hub:Repositories:{TinyLlama}"] = TestModels.TinyLlamaDirectory,
            [$"Hub:Repositories:{Gated}"] = TestModels.TinyLlamaDirectory,
            [$"Hub:Gated:{Gated}:0"] = "hf_someone_else",
            [$"Hub:Repositories:{Pickled}"] = pickled,
            [$"Hub:Repositories:{RemoteCode}"] = remote,
        };
        Hub = HubServerApplication.Build(["--urls=http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await Hub.StartAsync();
        HubAddress = ((HubAddresses)Hub.Services.GetService(typeof(HubAddresses))!).ApiBaseAddress;
    }

    public string Token(string scopes = $"{Scopes.Inference} {Scopes.ModelsAdmin}") =>
        TokenIssuer.Mint(new JwtAuthOptions { Issuer = Issuer, Audience = Audience },
            SigningKeys.Build(new SigningKeyOptions { Kid = "test", Algorithm = "HS256", Secret = Secret }),
            "operator", scopes.Split(' '), TimeSpan.FromMinutes(30));

    public HttpClient Http(string? token = null, Uri? address = null)
    {
        var client = new HttpClient { BaseAddress = address ?? Address, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Token());
        return client;
    }

    /// <summary>Polls the job until it is final (ready, failed, …) or the deadline passes; returns its last state.</summary>
    public static async Task<JsonElement> WaitForJobAsync(HttpClient http, string location, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var job = await http.GetFromJsonAsync<JsonElement>(location);
            var status = job.GetProperty("status").GetString();
            if (status is "ready" or "failed" or "unloaded" or "superseded" || DateTime.UtcNow > deadline)
            {
                return job;
            }
            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var app in new[] { Gateway, Sidecar, Server, Hub })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        _root.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class DeploymentCollection : ICollectionFixture<DeploymentFixture>
{
    public const string Name = "deployment";
}

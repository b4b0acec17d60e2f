using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using OpenAI;
using OpenTelemetry.Trace;
using PolarGrid.Auth;
using PolarGrid.Gateway;
using PolarGrid.InferenceServer;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Gateway;

/// <summary>
/// A real gateway on a real port in front of a real inference server (both hosted in this process so that one
/// in-memory exporter sees both sides' spans), serving the tiny Llama and MiniLM.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string Chat = "tiny_llama";
    public const string Embeddings = "minilm";
    public const string GhostChat = "ghost_chat";
    public const string Issuer = "polargrid-test";
    public const string Audience = "polargrid-gateway";

    private readonly ScratchDirectory _root = new("polargrid-gateway");

    public WebApplication Server { get; private set; } = null!;
    public WebApplication Gateway { get; private set; } = null!;
    public Uri Address { get; private set; } = null!;
    public List<Activity> Activities { get; } = [];

    /// <summary>
    /// The ES256 key tokens are normally signed with and <see cref="RotatedKey"/>, the one rotated in: the gateway holds
    /// their public halves only (<c>Auth:PublicKeys</c>, under their thumbprints), as a deployed one does.
    /// </summary>
    public SigningKey CurrentKey { get; } = Es256PrivateKey.Load(Es256PrivateKey.NewPem());
    public SigningKey RotatedKey { get; } = Es256PrivateKey.Load(Es256PrivateKey.NewPem());

    /// <summary>An HS256 key, configured explicitly (<c>Algorithm=HS256</c>) under kid <c>shared</c>.</summary>
    public SigningKey SharedSecretKey { get; } = Hmac("shared");

    /// <summary>An ES256 key the gateway trusts under kid <c>ecdsa</c>, used to check that its public half cannot be abused as an HMAC secret.</summary>
    public ECDsa EcdsaKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public async Task InitializeAsync()
    {
        var repository = Path.Combine(_root.Path, "repository");
        var data = Path.Combine(_root.Path, "gateway");
        var staging = Path.Combine(_root.Path, "staging");
        Directory.CreateDirectory(staging);

        TestModels.CopyDirectory(TestModels.TinyLlamaDirectory, Path.Combine(repository, Chat, "1"));
        File.WriteAllText(Path.Combine(repository, Chat, "config.pbtxt"), "backend: \"onnxruntime_genai\"\n");
        TestModels.WriteMiniLm(Path.Combine(repository, Embeddings, "1", "model.onnx"));
        File.WriteAllText(Path.Combine(repository, Embeddings, "config.pbtxt"), "platform: \"onnxruntime_onnx\"\nmax_batch_size: 8\n");

        // What a conversion leaves the gateway: tokenizer files and a descriptor per model.
        var chatAssets = Path.Combine(data, "models", Chat);
        Directory.CreateDirectory(chatAssets);
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "genai_config.json" })
        {
            File.Copy(Path.Combine(TestModels.TinyLlamaDirectory, file), Path.Combine(chatAssets, file));
        }
        File.WriteAllText(Path.Combine(chatAssets, "model.json"), $$"""{ "name": "{{Chat}}", "kind": "chat", "contextLength": 2048 }""");
        // Assets for a model Triton does not have: the gateway knows it, the node cannot serve it.
        var ghost = Path.Combine(data, "models", GhostChat);
        TestModels.CopyDirectory(chatAssets, ghost);
        File.WriteAllText(Path.Combine(ghost, "model.json"), $$"""{ "name": "{{GhostChat}}", "kind": "chat", "contextLength": 2048 }""");
        var embeddingAssets = Path.Combine(data, "models", Embeddings);
        TestModels.WriteMiniLmVocabulary(Path.Combine(embeddingAssets, "vocab.txt"));
        File.WriteAllText(Path.Combine(embeddingAssets, "model.json"), $$"""{ "name": "{{Embeddings}}", "kind": "embeddings", "contextLength": 512, "embedding": { "dimensions": 384, "maxTokens": 256 } }""");

        var (grpc, http, metrics) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        Server = InferenceServerApplication.Build(new ServerOptions
        {
            Id = "test-triton",
            ModelRepositories = [repository],
            ModelControlMode = ModelControlMode.Explicit,
            StartupModels = [Chat, Embeddings],
            GrpcAddress = "127.0.0.1", GrpcPort = grpc,
            HttpAddress = "127.0.0.1", HttpPort = http,
            MetricsAddress = "127.0.0.1", MetricsPort = metrics,
        });
        await Server.StartAsync();

        var port = FreePort.Next();
        Address = new Uri($"http://127.0.0.1:{port}");
        Gateway = GatewayApplication.Build(
        [
            $"--urls={Address}",
            "--Node:Colo=test", $"--Node:StagingPath={staging}", $"--Node:DataPath={data}",
            $"--Triton:Endpoint=http://127.0.0.1:{grpc}",
            "--Tls:AllowPlainHttp=true",
            $"--Auth:Issuer={Issuer}", $"--Auth:Audience={Audience}",
            $"--Auth:PublicKeys={PublicKeyPem(CurrentKey)}\n{PublicKeyPem(RotatedKey)}",
            "--Auth:SigningKeys:0:Kid=shared", "--Auth:SigningKeys:0:Algorithm=HS256", $"--Auth:SigningKeys:0:Secret={Secret("shared")}",
            "--Auth:SigningKeys:1:Kid=ecdsa", $"--Auth:SigningKeys:1:KeyPem={EcdsaKey.ExportSubjectPublicKeyInfoPem()}",
            "--RateLimits:Tiers:default:RequestsPerMinute=100000", "--RateLimits:Tiers:default:TokensPerMinute=100000000",
            "--RateLimits:Tiers:tight:RequestsPerMinute=3", "--RateLimits:Tiers:tight:TokensPerMinute=100000000",
            "--RateLimits:Tiers:budget:RequestsPerMinute=100000", "--RateLimits:Tiers:budget:TokensPerMinute=600",
            "--RateLimits:Tiers:stream:RequestsPerMinute=100000", "--RateLimits:Tiers:stream:TokensPerMinute=2100",
            "--Logging:LogLevel:Default=Warning",
        ],
        builder => builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Activities)));
        await Gateway.StartAsync();
    }

    public string Token(string subject = "tester", string scopes = Scopes.Inference, string? tier = null, SigningKey? key = null,
        TimeSpan? lifetime = null, DateTime? issuedAt = null, string? issuer = null, string? audience = null)
    {
        var claims = new Dictionary<string, object> { ["tenant"] = subject };
        if (tier is not null)
        {
            claims["tier"] = tier;
        }
        return TokenIssuer.Mint(new JwtAuthOptions { Issuer = issuer ?? Issuer, Audience = audience ?? Audience }, key ?? CurrentKey,
            subject, scopes.Split(' '), lifetime ?? TimeSpan.FromMinutes(10), claims, issuedAt);
    }

    public HttpClient Http(string? token)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(2) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public OpenAIClient OpenAI(string token) =>
        new(new System.ClientModel.ApiKeyCredential(token), new OpenAIClientOptions { Endpoint = new Uri(Address, "/v1") });

    private static string Secret(string name) => Convert.ToBase64String(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"polargrid-test-{name}")));

    private static string PublicKeyPem(SigningKey key) => ((ECDsaSecurityKey)key.Key).ECDsa.ExportSubjectPublicKeyInfoPem();

    private static SigningKey Hmac(string kid) => SigningKeys.Build(new SigningKeyOptions { Kid = kid, Algorithm = "HS256", Secret = Secret(kid) });

    public async Task DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.StopAsync();
            await Gateway.DisposeAsync();
        }
        if (Server is not null)
        {
            await Server.StopAsync();
            await Server.DisposeAsync();
        }
        EcdsaKey.Dispose();
        _root.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}

using PolarGrid.Auth;
using PolarGrid.Testing;

namespace PolarGrid.Bench;

/// <summary>
/// One node of real processes for a benchmark: an inference server serving the tiny Llama as <see cref="Model"/>, and a
/// gateway (the JIT build, or a published one such as the native executable) in front of it with a token for it.
/// </summary>
public sealed class BenchNode : IAsyncDisposable
{
    public const string Model = "llama";

    private readonly ScratchDirectory _root;

    private BenchNode(ScratchDirectory root, InferenceServerProcess server, GatewayProcess gateway, string token)
    {
        _root = root;
        Server = server;
        Gateway = gateway;
        Token = token;
    }

    public InferenceServerProcess Server { get; }
    public GatewayProcess Gateway { get; }
    public string Token { get; }

    public static async Task<BenchNode> StartAsync(string? gatewayExecutable, int maxSequences = 256)
    {
        var root = new ScratchDirectory("polargrid-bench-node");
        var repository = Path.Combine(root.Path, "repository");
        TestModels.CopyDirectory(TestModels.TinyLlamaDirectory, Path.Combine(repository, Model, "1"));
        File.WriteAllText(Path.Combine(repository, Model, "config.pbtxt"),
            $"backend: \"onnxruntime_genai\"\nparameters {{ key: \"max_num_seqs\" value {{ string_value: \"{maxSequences}\" }} }}\n");
        var assets = Path.Combine(root.Path, "gateway", "models", Model);
        Directory.CreateDirectory(assets);
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "genai_config.json" })
        {
            File.Copy(Path.Combine(TestModels.TinyLlamaDirectory, file), Path.Combine(assets, file));
        }
        File.WriteAllText(Path.Combine(assets, "model.json"), $$"""{ "name": "{{Model}}", "kind": "chat", "contextLength": 2048 }""");
        Directory.CreateDirectory(Path.Combine(root.Path, "staging"));

        var server = await InferenceServerProcess.StartAsync(repository, "--model-control-mode=explicit", $"--load-model={Model}");
        var secret = SigningKeys.NewSecret();
        var gateway = await GatewayProcess.StartAsync(
        [
            "--Node:Colo=bench", $"--Node:StagingPath={Path.Combine(root.Path, "staging")}", $"--Node:DataPath={Path.Combine(root.Path, "gateway")}",
            $"--Triton:Endpoint={server.GrpcAddress}", "--Tls:AllowPlainHttp=true",
            "--Auth:SigningKeys:0:Kid=bench", "--Auth:SigningKeys:0:Algorithm=HS256", $"--Auth:SigningKeys:0:Secret={secret}",
            "--RateLimits:Tiers:default:RequestsPerMinute=100000000", "--RateLimits:Tiers:default:TokensPerMinute=2000000000",
        ], gatewayExecutable);
        var token = TokenIssuer.Mint(new JwtAuthOptions(), SigningKeys.Build(new SigningKeyOptions { Kid = "bench", Algorithm = "HS256", Secret = secret }),
            "bench", [Scopes.Inference], TimeSpan.FromHours(1));
        return new BenchNode(root, server, gateway, token);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Server.DisposeAsync();
        _root.Dispose();
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI;
using PolarGrid.Testing;
using PolarGrid.Tests.Deployment;

namespace PolarGrid.Tests.Native;

/// <summary>
/// The gateway as it ships: published ahead of time (<c>dotnet publish -r linux-x64</c>, native code, no JIT) and run as
/// a process in front of a real node (inference server, sidecar, volumes) and the local Hub.
/// </summary>
/// <remarks>
/// A native build drops whatever the trimmer cannot see, and such a gap shows only when the code path runs; these tests
/// run the paths a node uses — a model load from the Hub, chat, embeddings, health, auth and errors — on that build.
/// </remarks>
public sealed class NativeGatewayFixture : IAsyncLifetime
{
    private readonly ScratchDirectory _root = new("polargrid-native");

    public DeploymentFixture Node { get; } = new() { StartsGateway = false };

    public GatewayProcess Gateway { get; private set; } = null!;

    public string Executable => Path.Combine(_root.Path, "publish", "PolarGrid.Gateway");

    public string DataPath => Path.Combine(_root.Path, "gateway");

    public async Task InitializeAsync()
    {
        var publish = await ExternalCommand.RunAsync("dotnet",
            ["publish", Path.Combine(RepositoryPaths.Root, "PolarGrid.Gateway", "PolarGrid.Gateway.csproj"), "-c", "Release", "-r", "linux-x64",
             "-o", Path.GetDirectoryName(Executable)!, "-nologo"],
            RepositoryPaths.Root, TimeSpan.FromMinutes(15));
        if (publish.ExitCode != 0 || !File.Exists(Executable))
        {
            throw new InvalidOperationException($"The native publish of the gateway failed ({publish.ExitCode}):\n{publish.Output}\n{publish.Error}");
        }

        await Node.InitializeAsync();
        Gateway = await StartGatewayAsync();
    }

    /// <summary>A native gateway of this node, on the fixture's own data volume (or <paramref name="dataPath"/>).</summary>
    public Task<GatewayProcess> StartGatewayAsync(IEnumerable<string>? settings = null, string? dataPath = null, Uri? address = null,
        HttpMessageHandler? probeHandler = null) =>
        GatewayProcess.StartAsync([.. Node.GatewaySettings(), $"--Node:DataPath={dataPath ?? DataPath}", .. settings ?? []], Executable,
            address, probeHandler);

    public HttpClient Http(string? token = null) => Gateway.CreateClient(token ?? Node.Token());

    public OpenAIClient OpenAI() =>
        new(new System.ClientModel.ApiKeyCredential(Node.Token()), new OpenAIClientOptions { Endpoint = new Uri(Gateway.Address, "/v1") });

    /// <summary>Loads <paramref name="repository"/> as <paramref name="name"/> through the native gateway (once: a repeat returns the job).</summary>
    public async Task<JsonElement> LoadAsync(string repository, string name)
    {
        using var http = Http();
        using var response = await http.PostAsJsonAsync("/v1/models/load", new { model = repository, name });
        if (response.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.OK))
        {
            throw new InvalidOperationException($"Load of {repository} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        return await DeploymentFixture.WaitForJobAsync(http, response.Headers.Location!.OriginalString);
    }

    public async Task DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
        await Node.DisposeAsync();
        _root.Dispose();
    }
}

/// <summary>
/// Alone, after the parallel collections: the native compile takes both cores for a minute or two, which other
/// tests' deadlines should not have to absorb.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeGatewayCollection : ICollectionFixture<NativeGatewayFixture>
{
    public const string Name = "native gateway";
}

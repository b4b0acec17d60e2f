using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PolarGrid.HubServer;
using PolarGrid.HuggingFace;

namespace PolarGrid.Tests.HuggingFace;

/// <summary>The local Hub in-process on loopback with a request recorder in front, and HubClients built the way hosts build them.</summary>
public sealed class HubTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<ServiceProvider> _clients = [];

    private HubTestServer(WebApplication app, RequestRecorder recorder)
    {
        _app = app;
        Recorder = recorder;
        var addresses = app.Services.GetRequiredService<HubAddresses>();
        Api = addresses.ApiBaseAddress;
        Cdn = addresses.CdnBaseAddress;
    }

    public Uri Api { get; }

    public Uri Cdn { get; }

    public RequestRecorder Recorder { get; }

    public static async Task<HubTestServer> StartAsync(IDictionary<string, string?> settings)
    {
        var recorder = new RequestRecorder();
        var app = HubServerApplication.Build(["--urls=http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton<IStartupFilter>(recorder);
            builder.Services.AddSingleton<IStartupFilter, RenamedRepoRedirect>();
        });
        await app.StartAsync();
        return new HubTestServer(app, recorder);
    }

    public async Task<string> CommitOfAsync(string repoId) =>
        (await _app.Services.GetRequiredService<RepoCatalog>().FindAsync(repoId, CancellationToken.None))!.Commit;

    /// <summary>
    /// A HubClient from <see cref="HubServiceCollectionExtensions.AddHuggingFaceHub"/> pointed at this server; retries
    /// without pauses so fault tests stay fast.
    /// </summary>
    public HubClient CreateClient(string? token = null, IDictionary<string, string?>? settings = null, LogCollector? logs = null,
        Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["HuggingFace:Endpoint"] = Api.AbsoluteUri,
            ["HuggingFace:Token"] = token,
            ["HuggingFace:RetryDelay"] = "00:00:00",
            ["HuggingFace:MaxAttempts"] = "3",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var collection = new ServiceCollection();
        collection.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            if (logs is not null)
            {
                logging.AddProvider(logs);
            }
        });
        services?.Invoke(collection);
        collection.AddHuggingFaceHub(new ConfigurationBuilder().AddInMemoryCollection(all).Build());
        var provider = collection.BuildServiceProvider();
        lock (_clients)
        {
            _clients.Add(provider);
        }

        return provider.GetRequiredService<HubClient>();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _clients)
        {
            await provider.DisposeAsync();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

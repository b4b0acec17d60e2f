using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using OpenAI;
using PolarGrid.Client;
using PolarGrid.Client.Health;
using PolarGrid.Client.LoadBalancing;
using PolarGrid.Client.Nodes;
using PolarGrid.Client.Routing;
using PolarGrid.Client.RoutingTables;
using PolarGrid.Client.Telemetry;

namespace Microsoft.Extensions.DependencyInjection;

public static class RouterServiceCollectionExtensions
{
    /// <summary>
    /// Adds the PolarGrid client-side router, configured from <c>PolarGrid:Router</c>: the routing table source and
    /// the health prober (hosted services), a routed <see cref="HttpClient"/> named
    /// <see cref="RouterDefaults.HttpClientName"/>, an <see cref="OpenAIClient"/> on it, and an <see cref="IChatClient"/>
    /// for <see cref="RouterOptions.ChatModel"/>. Register an <see cref="INodeSelectionPolicy"/> or a
    /// <see cref="TimeProvider"/> before this call to replace the defaults.
    /// </summary>
    public static IServiceCollection AddPolarGridRouter(this IServiceCollection services, IConfiguration configuration, Action<RouterOptions>? configure = null)
    {
        var options = services.AddOptions<RouterOptions>().Bind(configuration.GetSection(RouterOptions.SectionName));
        if (configure is not null)
        {
            options.Configure(configure);
        }
        options.ValidateOnStart();
        if (services.Any(service => service.ServiceType == typeof(RoutingTableSource)))
        {
            // Called again (a library and the app both add the router): one router, or requests would be routed twice.
            return services;
        }
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RouterOptions>, RouterOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<RouterMetrics>();
        services.TryAddSingleton<NodeRegistry>();
        services.TryAddSingleton<INodeSelectionPolicy, PowerOfTwoChoicesPolicy>();
        services.TryAddSingleton<NodeSelector>();
        services.TryAddSingleton<NodeHealthPolicy>();
        services.TryAddSingleton<NodeProber>();
        services.TryAddSingleton<ControlPlaneClient>();
        services.TryAddSingleton<RoutingTableCache>();
        services.TryAddSingleton<RoutingTableSource>();
        services.TryAddSingleton<AttemptPipeline>();
        services.TryAddTransient<NodeRoutingHandler>();
        services.AddHostedService<RoutingTableRefreshService>();
        services.AddHostedService<HealthProbeService>();

        services.AddHttpClient(ControlPlaneClient.HttpClientName).WithoutResilienceHandlers();
        services.AddHttpClient(NodeProber.HttpClientName)
            // The prober applies ProbeTimeout itself; one probe is one request, or the interval would lie.
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .WithoutResilienceHandlers();
        services.AddHttpClient(RouterDefaults.HttpClientName, http => http.BaseAddress = RouterDefaults.BaseAddress)
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                ConnectTimeout = provider.GetRequiredService<IOptions<RouterOptions>>().Value.ConnectTimeout,
                // The OpenAI client below holds one HttpClient for the life of the app: renewing connections keeps
                // DNS changes of the nodes visible to it.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .AddPolarGridRouting()
            .WithoutResilienceHandlers();

        services.TryAddSingleton(CreateOpenAIClient);
        services.TryAddSingleton(provider =>
        {
            var model = provider.GetRequiredService<IOptions<RouterOptions>>().Value.ChatModel
                ?? throw new InvalidOperationException($"Set {RouterOptions.SectionName}:ChatModel to resolve IChatClient, or use OpenAIClient.GetChatClient(model).AsIChatClient().");
            return provider.GetRequiredService<OpenAIClient>().GetChatClient(model).AsIChatClient();
        });
        return services;
    }

    /// <summary>
    /// Puts the router on another <see cref="HttpClient"/> (needs <see cref="AddPolarGridRouter"/>): its requests go to
    /// the node chosen for their model. Give the client <see cref="RouterDefaults.BaseAddress"/> as its base address.
    /// </summary>
    public static IHttpClientBuilder AddPolarGridRouting(this IHttpClientBuilder builder) =>
        builder.AddHttpMessageHandler<NodeRoutingHandler>();

    /// <summary>
    /// Host-wide defaults (PolarGrid's service defaults among them) put the standard resilience handler on every client.
    /// Over the router it would retry a request on the same node after the router had already moved it, and hold a
    /// 429 back for seconds; over a probe it would blur the one-interval reaction time. Removed the way the (still
    /// experimental) RemoveAllResilienceHandlers does.
    /// </summary>
    private static IHttpClientBuilder WithoutResilienceHandlers(this IHttpClientBuilder builder) =>
        builder.ConfigureAdditionalHttpMessageHandlers((handlers, _) =>
        {
            foreach (var handler in handlers.OfType<ResilienceHandler>().ToList())
            {
                handlers.Remove(handler);
            }
        });

    private static OpenAIClient CreateOpenAIClient(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptions<RouterOptions>>().Value;
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(RouterDefaults.HttpClientName);
        return new OpenAIClient(new ApiKeyCredential(options.ApiKey ?? "unset"), new OpenAIClientOptions
        {
            Endpoint = RouterDefaults.OpenAIEndpoint,
            Transport = new HttpClientPipelineTransport(http),
            // The router already moves a failed request to another node; the SDK retrying on top would multiply attempts.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
    }
}

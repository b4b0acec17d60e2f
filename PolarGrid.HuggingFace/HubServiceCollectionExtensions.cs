using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace PolarGrid.HuggingFace;

public static class HubServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="HubClient"/> as a typed HttpClient configured from the <c>HuggingFace</c> section (with
    /// <c>HF_ENDPOINT</c> / <c>HF_TOKEN</c> / <c>HUGGING_FACE_HUB_TOKEN</c> as fallbacks). Returns the client builder so a
    /// host can add its own handlers.
    /// </summary>
    /// <remarks>
    /// HubClient is transient, like every typed client; a singleton may still keep one, since its connections are
    /// recycled every few minutes.
    /// </remarks>
    public static IHttpClientBuilder AddHuggingFaceHub(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HubClientOptions>()
            .Bind(configuration.GetSection(HubClientOptions.SectionName))
            .Configure(options => HubClientOptionsFallbacks.Apply(options, configuration))
            .Validate(options => options.Endpoint is { IsAbsoluteUri: true } endpoint && (endpoint.Scheme == Uri.UriSchemeHttps || endpoint.Scheme == Uri.UriSchemeHttp),
                $"{HubClientOptions.SectionName}:Endpoint (or {HubClientOptions.EndpointVariable}) must be an absolute http(s) URL.")
            .Validate(options => options.RequestTimeout > TimeSpan.Zero, $"{HubClientOptions.SectionName}:RequestTimeout must be positive.")
            .Validate(options => options.MaxFileBytes > 0, $"{HubClientOptions.SectionName}:MaxFileBytes must be positive.")
            .Validate(options => options.MaxAttempts >= 1, $"{HubClientOptions.SectionName}:MaxAttempts must be at least 1.")
            .Validate(options => options.RetryDelay >= TimeSpan.Zero && options.MaxRetryDelay >= options.RetryDelay,
                $"{HubClientOptions.SectionName}:RetryDelay must not be negative nor above MaxRetryDelay.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);

        return services.AddHttpClient<HubClient>()
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                // Redirects are followed by HubHttp: only it knows which hops may carry the token (the Hub) and
                // which must not (the CDN's signed links).
                AllowAutoRedirect = false,
                // Sizes and hashes are those of the stored bytes; a transparently decoded body would never verify.
                AutomaticDecompression = DecompressionMethods.None,
                ConnectTimeout = provider.GetRequiredService<IOptions<HubClientOptions>>().Value.RequestTimeout,
                // Keeps DNS changes (CDN edges move) visible to a HubClient a singleton holds on to.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .ConfigureHttpClient(http =>
            {
                // Downloads last as long as bytes keep coming; HubHttp times the waits (headers, each read) itself.
                http.Timeout = Timeout.InfiniteTimeSpan;
                http.DefaultRequestHeaders.UserAgent.ParseAdd("polargrid-hub-client/1.0");
            })
            // Service defaults put the standard resilience handler on every client. Stacked on HubClient's own retries
            // (which resume with Range and re-resolve expired CDN links) it would multiply requests and hold a 429
            // back for seconds instead of reporting it. Removed the way the (still experimental) RemoveAllResilienceHandlers does.
            .ConfigureAdditionalHttpMessageHandlers((handlers, _) =>
            {
                foreach (var handler in handlers.OfType<ResilienceHandler>().ToList())
                {
                    handlers.Remove(handler);
                }
            });
    }
}

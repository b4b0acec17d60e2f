using Microsoft.Extensions.Options;
using PolarGrid.Client.Nodes;
using PolarGrid.Client.Routing;

namespace PolarGrid.Client.Health;

/// <summary>One <c>GET /health</c> of one node, bounded by the probe timeout, turned into a <see cref="ProbeResult"/>.</summary>
internal sealed class NodeProber(IHttpClientFactory httpClientFactory, IOptions<RouterOptions> options, TimeProvider time)
{
    public const string HttpClientName = "PolarGrid.Router.Probe";

    /// <summary>The gateway's health report is a few hundred bytes; a node sending megabytes is not a gateway.</summary>
    private const int MaxBodyBytes = 1 << 20;

    public async Task<ProbeResult> ProbeAsync(RouterNode node, CancellationToken cancellationToken)
    {
        var timeout = options.Value.ProbeTimeout;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var http = httpClientFactory.CreateClient(HttpClientName);
        var started = time.GetTimestamp();
        try
        {
            using var response = await http.GetAsync(NodeUris.Combine(node.Url, "health"), HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var roundTrip = time.GetElapsedTime(started);
            var body = response.Content.Headers.ContentLength is > MaxBodyBytes ? [] : await response.Content.ReadAsByteArrayAsync(linked.Token);
            var (status, models) = HealthReportReader.Read(body);
            if (!response.IsSuccessStatusCode)
            {
                return Failed($"health answered {(int)response.StatusCode}", roundTrip);
            }
            if (status == "unhealthy")
            {
                return Failed("health reported unhealthy", roundTrip);
            }
            return new ProbeResult(time.GetUtcNow(), true, null, roundTrip, models);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed($"no answer within {timeout.TotalMilliseconds:0} ms", null);
        }
        catch (HttpRequestException error)
        {
            return Failed(error.HttpRequestError == HttpRequestError.Unknown ? error.Message : $"{error.HttpRequestError}: {error.Message}", null);
        }
    }

    private ProbeResult Failed(string reason, TimeSpan? roundTrip) => new(time.GetUtcNow(), false, reason, roundTrip, null);
}

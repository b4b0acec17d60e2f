using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PolarGrid.Client.Routing;
using PolarGrid.Client.Telemetry;
using PolarGrid.Routing;

namespace PolarGrid.Client.RoutingTables;

/// <summary>What a control plane answered: a new signed table, or "unchanged" (304).</summary>
internal sealed record ControlPlaneAnswer(SignedRoutingTable? Table, string? ETag)
{
    public bool NotModified => Table is null;
}

/// <summary>
/// <c>GET /v1/routing-table</c> from the control plane replicas in order, each bounded by its own timeout, with
/// <c>If-None-Match</c> so an unchanged table costs a 304. Verification is not its job: it only fetches.
/// </summary>
internal sealed class ControlPlaneClient(IHttpClientFactory httpClientFactory, IOptions<RouterOptions> options, TimeProvider time, ILogger<ControlPlaneClient> logger)
{
    public const string HttpClientName = "PolarGrid.Router.ControlPlane";

    /// <summary>The answer of the first replica that gave one; null when none did (all logged).</summary>
    public async Task<ControlPlaneAnswer?> FetchAsync(string? etag, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var http = httpClientFactory.CreateClient(HttpClientName);
        foreach (var controlPlane in settings.ControlPlaneUrls)
        {
            using var deadline = new CancellationTokenSource(settings.ControlPlaneTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            using var request = new HttpRequestMessage(HttpMethod.Get, NodeUris.Combine(controlPlane, "v1/routing-table"));
            if (etag is not null && EntityTagHeaderValue.TryParse(etag, out var tag))
            {
                request.Headers.IfNoneMatch.Add(tag);
            }
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
                if (response.StatusCode == HttpStatusCode.NotModified)
                {
                    RouterLog.TableNotModified(logger, controlPlane);
                    return new ControlPlaneAnswer(null, response.Headers.ETag?.ToString() ?? etag);
                }
                if (!response.IsSuccessStatusCode)
                {
                    RouterLog.ControlPlaneFailed(logger, controlPlane, $"status {(int)response.StatusCode}");
                    continue;
                }
                var table = await response.Content.ReadFromJsonAsync(RoutingJsonContext.Default.SignedRoutingTable, linked.Token);
                if (table is null)
                {
                    RouterLog.ControlPlaneFailed(logger, controlPlane, "empty body");
                    continue;
                }
                return new ControlPlaneAnswer(table, response.Headers.ETag?.ToString());
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                RouterLog.ControlPlaneFailed(logger, controlPlane, $"no answer within {settings.ControlPlaneTimeout}");
            }
            catch (Exception error) when (error is HttpRequestException or JsonException or NotSupportedException)
            {
                RouterLog.ControlPlaneFailed(logger, controlPlane, error.Message);
            }
        }
        return null;
    }
}

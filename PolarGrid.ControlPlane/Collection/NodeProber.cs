using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PolarGrid.ControlPlane.Data;

namespace PolarGrid.ControlPlane.Collection;

/// <summary>
/// Pulls one node's anonymous <c>/health</c> within <see cref="CollectorOptions.Timeout"/>. Never throws for the
/// node's faults: an unreachable, slow or confused node is an observation (<c>down</c>, with the reason).
/// </summary>
/// <remarks>
/// Its own client rather than one from the factory: the service defaults give factory clients the standard
/// resilience handler, whose retries would hide a dead node past the collection interval. The next round is the retry.
/// </remarks>
public sealed class NodeProber(
    CollectorStatus status,
    IOptions<CollectorOptions> options,
    TimeProvider time) : IDisposable
{
    /// <summary>A health report is a few kilobytes; anything far larger is not one.</summary>
    public const long MaxReportBytes = 1024 * 1024;

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
    {
        MaxResponseContentBufferSize = MaxReportBytes,
        Timeout = System.Threading.Timeout.InfiniteTimeSpan, // Each pull has its own deadline.
    };

    public async Task<NodeObservation> ProbeAsync(Node node, CancellationToken cancellationToken)
    {
        var timeout = options.Value.Timeout;
        var collectedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(node.PublicUrl), "/health"));
            // Names this replica in the node's logs, so an operator sees which replica collects.
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("PolarGrid-ControlPlane", "1.0"));
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue($"({status.InstanceId})"));
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
            var body = await response.Content.ReadAsByteArrayAsync(deadline.Token);
            var latency = time.GetElapsedTime(started).TotalMilliseconds;
            try
            {
                using var report = JsonDocument.Parse(body);
                return HealthReportParser.Parse(node.Colo, collectedAt, latency, (int)response.StatusCode, report.RootElement);
            }
            catch (JsonException)
            {
                return HealthReportParser.Down(node.Colo, collectedAt, latency, $"/health answered HTTP {(int)response.StatusCode} without a JSON report");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthReportParser.Down(node.Colo, collectedAt, null, $"no answer within {timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException error)
        {
            return HealthReportParser.Down(node.Colo, collectedAt, null, $"unreachable: {error.Message}");
        }
    }

    public void Dispose() => _http.Dispose();
}

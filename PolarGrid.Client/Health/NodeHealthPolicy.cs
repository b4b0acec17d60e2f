using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PolarGrid.Client.Nodes;
using PolarGrid.Client.Telemetry;

namespace PolarGrid.Client.Health;

/// <summary>
/// Decides when a node leaves routing and when it comes back, from active health (probes) and passive health (the
/// outcomes of real requests). One failed probe ejects at once — the probe interval is the reaction time promised —
/// while real traffic ejects on a rate, since a single failed request says little. Only probes readmit: traffic
/// never reaches an ejected node to prove it well.
/// </summary>
internal sealed class NodeHealthPolicy(IOptions<RouterOptions> options, RouterMetrics metrics, ILogger<NodeHealthPolicy> logger)
{
    public const string ProbeReason = "probe";
    public const string ErrorRateReason = "error_rate";

    public void ProbeCompleted(RouterNode node, ProbeResult result)
    {
        node.RecordProbe(result);
        if (!result.Healthy)
        {
            Eject(node, ProbeReason, $"probe failed ({result.Failure})");
            return;
        }
        if (node.ProbeSucceeded(options.Value.ReadmitAfterProbes))
        {
            metrics.Readmitted(node.Colo);
            RouterLog.NodeReadmitted(logger, node.Colo, options.Value.ReadmitAfterProbes);
        }
    }

    /// <summary>The node answered with headers that are not a failure: its time to first byte feeds the latency estimate.</summary>
    public void FirstByteReceived(RouterNode node, TimeSpan timeToFirstByte) => node.RecordLatency(timeToFirstByte);

    /// <summary>A request to the node ended: well (its body read or let go) or not (connection error, 5xx, 429, broken stream).</summary>
    public void RequestCompleted(RouterNode node, bool failed)
    {
        var (requests, failures) = node.RecordOutcome(failed);
        var settings = options.Value;
        if (failed && requests >= settings.ErrorRateMinimumRequests && failures >= settings.EjectionThreshold * requests)
        {
            Eject(node, ErrorRateReason, $"{failures} of its last {requests} requests failed");
        }
    }

    private void Eject(RouterNode node, string kind, string reason)
    {
        if (node.Eject(reason))
        {
            metrics.Ejected(node.Colo, kind);
            RouterLog.NodeEjected(logger, node.Colo, reason);
        }
    }
}

using Microsoft.Extensions.Logging;

namespace PolarGrid.Client.Telemetry;

/// <summary>Everything the router logs, as structured events with stable ids.</summary>
internal static partial class RouterLog
{
    [LoggerMessage(1, LogLevel.Information, "Routing with {Origin} table version {Version}: {NodeCount} nodes.")]
    public static partial void TableInUse(ILogger logger, string origin, long version, int nodeCount);

    [LoggerMessage(2, LogLevel.Warning, "Routing with the {NodeCount} fallback nodes: {Reason}.")]
    public static partial void FallbackInUse(ILogger logger, int nodeCount, string reason);

    [LoggerMessage(3, LogLevel.Error, "No node to route to: {Reason}, and no fallback nodes are configured.")]
    public static partial void NoNodes(ILogger logger, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Routing table from {Origin} rejected: {Reason}.")]
    public static partial void TableRejected(ILogger logger, string origin, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Control plane {Url} did not give the routing table: {Reason}.")]
    public static partial void ControlPlaneFailed(ILogger logger, Uri url, string reason);

    [LoggerMessage(6, LogLevel.Debug, "Control plane {Url}: routing table unchanged (304).")]
    public static partial void TableNotModified(ILogger logger, Uri url);

    [LoggerMessage(7, LogLevel.Warning, "Routing table cache {Path} not written.")]
    public static partial void CacheWriteFailed(ILogger logger, string path, Exception error);

    [LoggerMessage(8, LogLevel.Warning, "Routing table cache {Path} not read: {Reason}.")]
    public static partial void CacheReadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(9, LogLevel.Warning, "Node {Node} ejected: {Reason}.")]
    public static partial void NodeEjected(ILogger logger, string node, string reason);

    [LoggerMessage(10, LogLevel.Information, "Node {Node} readmitted after {Probes} good probes.")]
    public static partial void NodeReadmitted(ILogger logger, string node, int probes);

    [LoggerMessage(11, LogLevel.Information, "{Reason} for model {Model}: attempt {Attempt} on node {Node}.")]
    public static partial void AttemptOnAnotherNode(ILogger logger, string reason, string? model, int attempt, string node);

    [LoggerMessage(12, LogLevel.Debug, "Attempt on node {Node} failed before its first byte: {Failure}.")]
    public static partial void AttemptFailed(ILogger logger, string node, string failure);

    [LoggerMessage(13, LogLevel.Error, "Probe round failed.")]
    public static partial void ProbeRoundFailed(ILogger logger, Exception error);

    [LoggerMessage(14, LogLevel.Error, "Routing table refresh failed.")]
    public static partial void RefreshFailed(ILogger logger, Exception error);
}

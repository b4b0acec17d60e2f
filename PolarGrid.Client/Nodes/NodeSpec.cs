using PolarGrid.Routing;

namespace PolarGrid.Client.Nodes;

/// <summary>A node as a routing table or the fallback list describes it, before the router adds what it observes.</summary>
/// <param name="Models">The models the source says the node serves; null when it does not say (fallback nodes).</param>
/// <param name="State">The control plane's view of the node (<see cref="RoutedNode.Healthy"/> and the like).</param>
/// <param name="ReportedTimeToFirstToken">The control plane's median TTFT for the node, a prior before our own samples.</param>
internal sealed record NodeSpec(
    string Colo,
    string Region,
    Uri Url,
    IReadOnlyList<RoutedModel>? Models,
    string State,
    TimeSpan? ReportedTimeToFirstToken)
{
    public static NodeSpec From(RoutedNode node) => new(
        node.Colo,
        node.Region,
        node.Url,
        node.Models,
        node.State,
        node.Metrics?.TimeToFirstTokenP50Ms is { } milliseconds ? TimeSpan.FromMilliseconds(milliseconds) : null);

    public static NodeSpec From(FallbackNodeOptions node) => new(
        node.Colo ?? node.Url!.Authority,
        node.Region ?? "",
        node.Url!,
        node.Models.Count == 0 ? null : [.. node.Models.Select(model => new RoutedModel(model, null, ModelStates.Ready))],
        RoutedNode.Unknown,
        null);
}

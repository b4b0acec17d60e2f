using Microsoft.Extensions.Options;

namespace PolarGrid.Client.Nodes;

/// <summary>
/// The nodes the router works with now. Replaced whole when a new table (or the fallback list) comes in; a node that
/// stays (same URL) keeps what the client learned about it — latency, errors, ejection — so a table refresh does not
/// forget that a node is failing.
/// </summary>
public sealed class NodeRegistry
{
    private readonly Lock _lock = new();
    private readonly RouterOptions _options;
    private readonly TimeProvider _time;
    private volatile Snapshot _current = new([], RoutingTableOrigin.None, null);

    public NodeRegistry(IOptions<RouterOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
    }

    public IReadOnlyList<RouterNode> Nodes => _current.Nodes;

    public RoutingTableOrigin Origin => _current.Origin;

    /// <summary>The version of the routing table in use; null while fallback nodes (or none) are.</summary>
    public long? TableVersion => _current.Version;

    internal void Replace(IReadOnlyList<NodeSpec> specs, RoutingTableOrigin origin, long? version)
    {
        lock (_lock)
        {
            var known = _current.Nodes.ToDictionary(node => node.Url);
            var nodes = new List<RouterNode>(specs.Count);
            var seen = new HashSet<Uri>();
            foreach (var spec in specs)
            {
                if (!seen.Add(spec.Url))
                {
                    // One URL is one node: a table listing it twice must not double its share of requests.
                    continue;
                }
                if (known.TryGetValue(spec.Url, out var node))
                {
                    node.UpdateSpec(spec);
                }
                else
                {
                    node = new RouterNode(spec, _options, _time);
                }
                nodes.Add(node);
            }
            _current = new Snapshot(nodes, origin, version);
        }
    }

    private sealed record Snapshot(IReadOnlyList<RouterNode> Nodes, RoutingTableOrigin Origin, long? Version);
}

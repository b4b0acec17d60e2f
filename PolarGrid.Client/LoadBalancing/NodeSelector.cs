using System.Buffers;
using PolarGrid.Client.Nodes;

namespace PolarGrid.Client.LoadBalancing;

/// <summary>Narrows the registry to the nodes that may take an attempt and lets the policy choose among them.</summary>
internal sealed class NodeSelector(NodeRegistry registry, INodeSelectionPolicy policy)
{
    /// <summary>The node for the next attempt, or null when no node is left that serves the model and is not ejected.</summary>
    public RouterNode? Select(string? model, IReadOnlyCollection<RouterNode> alreadyTried)
    {
        var nodes = registry.Nodes;
        // Pooled: selection runs on every request and must not feed the GC.
        var buffer = ArrayPool<RouterNode>.Shared.Rent(Math.Max(1, nodes.Count));
        try
        {
            var count = 0;
            for (var i = 0; i < nodes.Count; i++)
            {
                var node = nodes[i];
                if (!node.IsEjected && node.Serves(model) && (alreadyTried.Count == 0 || !alreadyTried.Contains(node)))
                {
                    buffer[count++] = node;
                }
            }
            return count == 0 ? null : policy.Pick(new ArraySegment<RouterNode>(buffer, 0, count), model);
        }
        finally
        {
            ArrayPool<RouterNode>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>Says why <see cref="Select"/> found nothing, for the error the caller sees.</summary>
    public string Explain(string? model)
    {
        var nodes = registry.Nodes;
        if (nodes.Count == 0)
        {
            return $"no nodes are known (routing table: {registry.Origin})";
        }
        var serving = nodes.Count(node => node.Serves(model));
        return serving == 0
            ? $"none of the {nodes.Count} nodes serves model '{model}'"
            : $"all {serving} nodes serving model '{model}' are ejected or were tried";
    }
}

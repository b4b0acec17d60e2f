using PolarGrid.Client.Nodes;

namespace PolarGrid.Client.LoadBalancing;

/// <summary>Narrows the registry to the nodes that may take an attempt and lets the policy choose among them.</summary>
internal sealed class NodeSelector(NodeRegistry registry, INodeSelectionPolicy policy)
{
    /// <summary>The node for the next attempt, or null when no node is left that serves the model and is not ejected.</summary>
    public RouterNode? Select(string? model, IReadOnlyCollection<RouterNode> alreadyTried)
    {
        var nodes = registry.Nodes;
        var candidates = new List<RouterNode>(nodes.Count);
        foreach (var node in nodes)
        {
            if (!node.IsEjected && node.Serves(model) && !alreadyTried.Contains(node))
            {
                candidates.Add(node);
            }
        }
        return candidates.Count == 0 ? null : policy.Pick(candidates, model);
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

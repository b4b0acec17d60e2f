using PolarGrid.Client.LoadBalancing;
using PolarGrid.Client.Nodes;

namespace PolarGrid.Tests.Client;

/// <summary>A selection policy that always takes the first candidate in a fixed order of colos: attempts become predictable.</summary>
internal sealed class PreferencePolicy(params string[] colos) : INodeSelectionPolicy
{
    public RouterNode Pick(IReadOnlyList<RouterNode> candidates, string? model) =>
        candidates.OrderBy(node => Array.IndexOf(colos, node.Colo) is var index && index >= 0 ? index : int.MaxValue).First();
}

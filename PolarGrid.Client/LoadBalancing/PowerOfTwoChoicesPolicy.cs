using PolarGrid.Client.Nodes;

namespace PolarGrid.Client.LoadBalancing;

/// <summary>
/// Power of two choices on expected latency: two distinct candidates at random, the one expected to answer sooner wins.
/// The cost is the latency estimate times the requests already in flight plus one, so a fast node takes more load but
/// not all of it, and the slowest candidate of all is never picked while others are there. Two random candidates
/// rather than the global best keep many clients with the same view from stampeding the same node.
/// </summary>
public sealed class PowerOfTwoChoicesPolicy : INodeSelectionPolicy
{
    public RouterNode Pick(IReadOnlyList<RouterNode> candidates, string? model)
    {
        if (candidates.Count == 1)
        {
            return candidates[0];
        }
        var random = Random.Shared;
        var first = random.Next(candidates.Count);
        var second = random.Next(candidates.Count - 1);
        if (second >= first)
        {
            second++;
        }
        // The pair is in random order, so a tie goes to either with even odds.
        return Cost(candidates[second]) < Cost(candidates[first]) ? candidates[second] : candidates[first];
    }

    /// <summary>Expected latency in milliseconds, weighted by the requests already waiting on the node.</summary>
    public static double Cost(RouterNode node) => node.ExpectedLatency.TotalMilliseconds * (node.InFlight + 1);
}

using PolarGrid.Client.Nodes;

namespace PolarGrid.Client.LoadBalancing;

/// <summary>
/// Picks the node for one attempt. Register another implementation before <c>AddPolarGridRouter</c> to replace the
/// default (<see cref="PowerOfTwoChoicesPolicy"/>). Called on the request path, concurrently: keep it fast and
/// thread-safe.
/// </summary>
public interface INodeSelectionPolicy
{
    /// <param name="candidates">
    /// Never empty: the nodes that serve <paramref name="model"/>, are not ejected and have not been tried yet for this
    /// request.
    /// </param>
    /// <param name="model">The request's model, or null when it names none.</param>
    RouterNode Pick(IReadOnlyList<RouterNode> candidates, string? model);
}

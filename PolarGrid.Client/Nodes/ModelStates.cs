namespace PolarGrid.Client.Nodes;

/// <summary>The gateway's model states that matter to routing (see <c>NodeModel</c> in the gateway).</summary>
internal static class ModelStates
{
    /// <summary>The only state a request can be served in; loading, failed and the rest are routed around.</summary>
    public const string Ready = "ready";
}

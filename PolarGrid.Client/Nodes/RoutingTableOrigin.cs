namespace PolarGrid.Client.Nodes;

/// <summary>Where the nodes the router uses now came from.</summary>
public enum RoutingTableOrigin
{
    /// <summary>No usable table and no fallback nodes: every request fails with <see cref="Routing.NoNodeAvailableException"/>.</summary>
    None,

    /// <summary>A table fetched from the control plane and verified.</summary>
    ControlPlane,

    /// <summary>The verified table cached on disk, while the control plane is unreachable.</summary>
    Cache,

    /// <summary>The configured fallback nodes: no table is usable (none, or older than the staleness bound).</summary>
    Fallback,
}

namespace PolarGrid.Gateway;

/// <summary>Who this gateway is and where its node's volumes are. Bound from the <c>Node</c> section.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Node";

    /// <summary>The colo this node serves, e.g. <c>yvr</c>.</summary>
    public string Colo { get; set; } = "";

    /// <summary>The staging volume: the gateway writes converted models here, the sidecar picks them up.</summary>
    public string StagingPath { get; set; } = "";
}

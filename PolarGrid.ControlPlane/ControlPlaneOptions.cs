namespace PolarGrid.ControlPlane;

/// <summary>Bound from the <c>ControlPlane</c> section.</summary>
public sealed class ControlPlaneOptions
{
    public const string SectionName = "ControlPlane";

    /// <summary>Nodes declared by configuration; upserted into the registry at start.</summary>
    public List<NodeRegistration> Nodes { get; set; } = [];
}

public sealed class NodeRegistration
{
    public string Colo { get; set; } = "";
    public string Region { get; set; } = "";
    public Uri? PublicUrl { get; set; }
    public double? Latitude { get; set; }
    public double? Longitude { get; set; }
}

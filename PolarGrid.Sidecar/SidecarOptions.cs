namespace PolarGrid.Sidecar;

/// <summary>The two node volumes the sidecar sits between. Bound from the <c>Node</c> section.</summary>
public sealed class SidecarOptions
{
    public const string SectionName = "Node";

    public string Colo { get; set; } = "";

    /// <summary>Read side: converted models that the gateway staged.</summary>
    public string StagingPath { get; set; } = "";

    /// <summary>Write side: Triton's model repository.</summary>
    public string ModelRepositoryPath { get; set; } = "";
}

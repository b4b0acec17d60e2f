namespace PolarGrid.Sidecar;

/// <summary>The node the sidecar serves and the two volumes it sits between. Bound from the <c>Node</c> section.</summary>
public sealed class NodeOptions
{
    public const string SectionName = "Node";

    public string Colo { get; set; } = "";

    /// <summary>Read side: converted models that the gateway staged.</summary>
    public string StagingPath { get; set; } = "";

    /// <summary>Write side: Triton's model repository, as this process sees it.</summary>
    public string ModelRepositoryPath { get; set; } = "";
}

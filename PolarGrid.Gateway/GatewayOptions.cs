namespace PolarGrid.Gateway;

/// <summary>Who this gateway is and where its node's volumes are. Bound from the <c>Node</c> section.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Node";

    /// <summary>The colo this node serves, e.g. <c>yvr</c>.</summary>
    public string Colo { get; set; } = "";

    /// <summary>The staging volume: the gateway writes converted models here, the sidecar picks them up.</summary>
    public string StagingPath { get; set; } = "";

    /// <summary>The gateway's own state: each served model's tokenizer and descriptor, and the load jobs.</summary>
    public string DataPath { get; set; } = "";

    /// <summary>Largest request body accepted (413 beyond it).</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Completion tokens when a chat request does not say.</summary>
    public int DefaultMaxTokens { get; set; } = 512;

    /// <summary>How long one request may take upstream before the client gets a 504.</summary>
    public TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromMinutes(5);
}

namespace PolarGrid.ControlPlane;

/// <summary>Bound from the <c>ControlPlane</c> section.</summary>
public sealed class ControlPlaneOptions
{
    public const string SectionName = "ControlPlane";

    /// <summary>Nodes declared by configuration; upserted into the registry at start.</summary>
    public List<NodeRegistration> Nodes { get; set; } = [];

    /// <summary>
    /// The bearer key of the admin API (a secret: <c>ControlPlane__AdminKey</c> from a Kubernetes secret or the app
    /// host). Without one, every admin request is refused.
    /// </summary>
    public string? AdminKey { get; set; }

    /// <summary>PEM ECDSA P-256 private key that signs routing tables (a secret, never in code or logs).</summary>
    public string? SigningKeyPem { get; set; }

    /// <summary>The signing key's id; empty means a thumbprint of its public key.</summary>
    public string? SigningKeyId { get; set; }

    /// <summary>
    /// Public keys (PEM) published beside the current one, by key id: the previous key during a rotation, so clients
    /// that cached a table signed with it can still verify it.
    /// </summary>
    public Dictionary<string, string> PreviousPublicKeys { get; set; } = new(StringComparer.Ordinal);
}

public sealed class NodeRegistration
{
    public string Colo { get; set; } = "";
    public string Region { get; set; } = "";
    public Uri? PublicUrl { get; set; }
    public double? Latitude { get; set; }
    public double? Longitude { get; set; }
}

/// <summary>How nodes are pulled. Bound from <c>ControlPlane:Collector</c>.</summary>
public sealed class CollectorOptions
{
    public const string SectionName = "ControlPlane:Collector";

    /// <summary>Time between two collections; a node that stops answering shows <c>down</c> after the next one.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one node's <c>/health</c> may take before the node counts as down.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Rates and the TTFT percentile are computed over (at most) this much collected history.</summary>
    public TimeSpan MetricsWindow { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>How much history Postgres keeps. Bound from <c>ControlPlane:History</c>.</summary>
public sealed class HistoryOptions
{
    public const string SectionName = "ControlPlane:History";

    /// <summary>Samples kept per node (720 is an hour at the default interval).</summary>
    public int SamplesPerNode { get; set; } = 720;

    /// <summary>Samples older than this are removed whatever their count.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Published routing-table versions kept (the newest is always kept).</summary>
    public int TableVersions { get; set; } = 100;
}

/// <summary>How the routing table is published and served. Bound from <c>ControlPlane:RoutingTable</c>.</summary>
public sealed class RoutingTableOptions
{
    public const string SectionName = "ControlPlane:RoutingTable";

    /// <summary>
    /// A table whose content has not changed is republished (new version, fresh <c>last_seen_at</c>) once it is this
    /// old, so that a fresh table's <c>generated_at</c> is never much older than this.
    /// </summary>
    public TimeSpan RefreshAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each replica reads the newest version from Postgres into memory, which serves requests.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a read from Postgres may take before the replica serves its last table as stale.</summary>
    public TimeSpan DatabaseTimeout { get; set; } = TimeSpan.FromSeconds(2);
}

namespace PolarGrid.Client;

/// <summary>The client-side router's settings, bound from the <c>PolarGrid:Router</c> section.</summary>
public sealed class RouterOptions
{
    public const string SectionName = "PolarGrid:Router";

    /// <summary>Control plane replicas serving <c>GET /v1/routing-table</c>, tried in order. Empty: only <see cref="FallbackNodes"/>.</summary>
    public List<Uri> ControlPlaneUrls { get; set; } = [];

    /// <summary>Public keys (PEM) the routing table may be signed with, by key id; several so the control plane can rotate keys.</summary>
    public Dictionary<string, string> TrustedKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Where the last verified table is kept, so a restart works while the control plane is away. Null: no cache.</summary>
    public string? CachePath { get; set; }

    /// <summary>
    /// How long a table is routed with after the control plane last vouched for it (a 200 or a 304). Past that the
    /// router switches to <see cref="FallbackNodes"/> (or has no node) until the control plane answers again.
    /// </summary>
    public TimeSpan MaxStaleness { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often the table is asked for again (a conditional GET, so an unchanged table costs a 304).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one control-plane replica may take to answer.</summary>
    public TimeSpan ControlPlaneTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often every node's <c>/health</c> is probed; a failing node is routed around within one interval.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Up to this much is added at random to each wait between probe rounds, so clients do not probe in lockstep.</summary>
    public TimeSpan ProbeJitter { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>A probe not answered within this counts as failed.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long connecting to a node may take before the attempt fails and the request moves on to another node.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The weight the latency estimate keeps at each new sample (0 to 1): 0.8 lets a sample count for 20%. Higher is
    /// steadier, lower follows changes faster.
    /// </summary>
    public double EwmaDecay { get; set; } = 0.8;

    /// <summary>The span of recent requests whose failures make up a node's error rate.</summary>
    public TimeSpan ErrorRateWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A node whose error rate over <see cref="ErrorRateWindow"/> reaches this (0 to 1) is ejected.</summary>
    public double EjectionThreshold { get; set; } = 0.5;

    /// <summary>The fewest requests in the window before the error rate may eject a node: one failure of one is not a rate.</summary>
    public int ErrorRateMinimumRequests { get; set; } = 5;

    /// <summary>Successful probes in a row an ejected node needs before it is routed to again.</summary>
    public int ReadmitAfterProbes { get; set; } = 2;

    /// <summary>
    /// Extra attempts a request may make, each on a node not tried yet, when one fails before its first byte (connection
    /// errors, 5xx, 429) or, with hedging, when one is slower than its deadline. 0: one attempt only.
    /// </summary>
    public int RetryCount { get; set; } = 2;

    public HedgingOptions Hedging { get; set; } = new();

    /// <summary>Nodes to use when no routing table is usable: none fetched nor cached, or the one held is older than <see cref="MaxStaleness"/>.</summary>
    public List<FallbackNodeOptions> FallbackNodes { get; set; } = [];

    /// <summary>The model the registered <c>IChatClient</c> talks to.</summary>
    public string? ChatModel { get; set; }

    /// <summary>The bearer token the registered OpenAI client sends (the gateways' JWT).</summary>
    public string? ApiKey { get; set; }
}

/// <summary>Hedging: a second node is asked when the first has not answered with headers by the model's deadline.</summary>
public sealed class HedgingOptions
{
    public bool Enabled { get; set; }

    /// <summary>Per model: how long to wait for response headers (the first token, for streams) before asking another node too.</summary>
    public Dictionary<string, TimeSpan> TimeToFirstTokenDeadlines { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The deadline for models not listed above; null: those models are not hedged.</summary>
    public TimeSpan? DefaultTimeToFirstTokenDeadline { get; set; }

    /// <summary>The hedging deadline for a model, or null when requests for it are not hedged.</summary>
    public TimeSpan? DeadlineFor(string? model) =>
        !Enabled ? null
        : model is not null && TimeToFirstTokenDeadlines.TryGetValue(model, out var deadline) ? deadline
        : DefaultTimeToFirstTokenDeadline;
}

/// <summary>A node configured by hand, for when no routing table is usable.</summary>
public sealed class FallbackNodeOptions
{
    public string? Colo { get; set; }

    public string? Region { get; set; }

    public Uri? Url { get; set; }

    /// <summary>Models the node serves; empty: any model (its probes then say which are ready).</summary>
    public List<string> Models { get; set; } = [];
}

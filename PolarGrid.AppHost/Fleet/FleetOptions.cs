namespace PolarGrid.AppHost.Fleet;

/// <summary>How the app host lays out the fleet. Bound from the <c>PolarGrid</c> section.</summary>
public sealed class FleetOptions
{
    public const string SectionName = "PolarGrid";

    /// <summary><c>auto</c> (probe), <c>containers</c> or <c>processes</c>.</summary>
    public string Runtime { get; set; } = "auto";

    /// <summary>Root of the local fleet's data: Postgres and each colo's staging and model volumes.</summary>
    public string DataRoot { get; set; } = "../.polargrid";

    /// <summary>The container runtime to probe; empty means <c>ASPIRE_CONTAINER_RUNTIME</c>, then docker, then podman.</summary>
    public string? ContainerRuntime { get; set; }

    /// <summary>Where PostgreSQL's server binaries live; empty means <c>pg_config --bindir</c>, then Debian's paths.</summary>
    public string? PostgresBinDirectory { get; set; }

    public TritonImageOptions Triton { get; set; } = new();

    /// <summary>The colos, keyed by their short name (an airport code by convention).</summary>
    public Dictionary<string, ColoOptions> Colos { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The control plane's local port (proxied: the replicas share it).</summary>
    public int? ControlPlanePort { get; set; } = 8300;

    public int ControlPlaneReplicas { get; set; } = 2;

    /// <summary>Where gateways download models from.</summary>
    public HubOptions Hub { get; set; } = new();
}

public sealed class HubOptions
{
    /// <summary>
    /// Run PolarGrid.HubServer (a local Hub speaking the Hub's protocol) and point every gateway's HF_ENDPOINT at it;
    /// otherwise gateways use the real Hugging Face Hub.
    /// </summary>
    public bool Local { get; set; }

    /// <summary>Extra repositories the local Hub serves: repo id → folder (MiniLM is always there).</summary>
    public Dictionary<string, string> Repositories { get; set; } = new(StringComparer.Ordinal);
}

public sealed class ColoOptions
{
    /// <summary>Human name shown in the dashboard, e.g. "Vancouver".</summary>
    public string City { get; set; } = "";

    public string Region { get; set; } = "";

    /// <summary>The gateway's fixed local port so a user can <c>curl</c> it; 0 lets the orchestrator pick one.</summary>
    public int GatewayPort { get; set; }

    public double? Latitude { get; set; }
    public double? Longitude { get; set; }

    /// <summary>Simulated network distance from the local client: added to every request to this colo's gateway.</summary>
    public int SimulatedLatencyMs { get; set; }

    /// <summary>Random extra delay, 0 to this many milliseconds, on top of <see cref="SimulatedLatencyMs"/>.</summary>
    public int SimulatedJitterMs { get; set; }
}

public sealed class TritonImageOptions
{
    public string Registry { get; set; } = "nvcr.io";
    public string Image { get; set; } = "nvidia/tritonserver";

    /// <summary>Pinned: a Triton upgrade changes the node's behaviour and is a reviewed change.</summary>
    public string Tag { get; set; } = "26.09-py3";
}

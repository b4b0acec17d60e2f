namespace PolarGrid.InferenceServer;

public enum ModelControlMode
{
    None,
    Explicit,
}

/// <summary>
/// The server's settings, named and defaulted as <c>tritonserver</c>'s command line names them, so the app host
/// and the Kubernetes manifests start either server with the same arguments.
/// </summary>
public sealed record ServerOptions
{
    /// <summary><c>--id</c>: reported as the server name by ServerMetadata (Triton's default is "triton").</summary>
    public string Id { get; init; } = "triton";

    public IReadOnlyList<string> ModelRepositories { get; init; } = [];

    public ModelControlMode ModelControlMode { get; init; } = ModelControlMode.None;

    /// <summary><c>--load-model</c>: models to load at start in explicit mode; "*" alone means all of them.</summary>
    public IReadOnlyList<string> StartupModels { get; init; } = [];

    public string GrpcAddress { get; init; } = "0.0.0.0";
    public int GrpcPort { get; init; } = 8001;
    public string HttpAddress { get; init; } = "0.0.0.0";
    public int HttpPort { get; init; } = 8000;
    public string MetricsAddress { get; init; } = "0.0.0.0";
    public int MetricsPort { get; init; } = 8002;
    public bool AllowGrpc { get; init; } = true;
    public bool AllowHttp { get; init; } = true;
    public bool AllowMetrics { get; init; } = true;

    /// <summary><c>--strict-readiness</c>: when true the server is ready only while every model is ready.</summary>
    public bool StrictReadiness { get; init; } = true;

    /// <summary><c>--exit-on-error</c>: stop at start when a startup model fails to load.</summary>
    public bool ExitOnError { get; init; } = true;
}

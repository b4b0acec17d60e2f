using PolarGrid.InferenceServer.Repository;

namespace PolarGrid.InferenceServer;

/// <summary>
/// Live and ready as Triton defines them: live while the process serves; ready once start-up finished and, under
/// strict readiness, while every model asked to load is ready.
/// </summary>
public sealed class ServerState(ServerOptions options, ModelManager models)
{
    private volatile bool _started;
    private volatile bool _stopping;

    public ServerOptions Options { get; } = options;

    public bool IsLive => !_stopping;

    public bool IsReady => _started && !_stopping && (!Options.StrictReadiness || models.AllRequestedModelsReady);

    public void MarkStarted() => _started = true;

    public void MarkStopping() => _stopping = true;

    public static string Version { get; } =
        typeof(ServerState).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>The protocol extensions this server implements, named as Triton names them.</summary>
    public static readonly string[] Extensions =
        ["model_repository", "model_configuration", "binary_tensor_data", "parameters", "statistics"];
}

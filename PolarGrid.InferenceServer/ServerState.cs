namespace PolarGrid.InferenceServer;

/// <summary>
/// Live and ready as Triton defines them: live once the process serves requests, ready once start-up finished
/// (and, under strict readiness, while every model that should be ready is ready).
/// </summary>
public sealed class ServerState(ServerOptions options)
{
    private volatile bool _started;
    private volatile bool _stopping;

    public ServerOptions Options { get; } = options;

    public bool IsLive => !_stopping;

    public bool IsReady => _started && !_stopping;

    public void MarkStarted() => _started = true;

    public void MarkStopping() => _stopping = true;

    public static string Version { get; } =
        typeof(ServerState).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}

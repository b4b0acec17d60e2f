namespace PolarGrid.AppHost.Runtime;

/// <summary>
/// Asks a container runtime CLI to list one container, the question Aspire's orchestrator asks too: a CLI without
/// a daemon behind it (docker installed, engine not running) fails fast and counts as no runtime.
/// </summary>
public static class ContainerRuntimeProbe
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static Task<bool> IsUsableAsync(string runtime, CancellationToken cancellationToken = default) =>
        CommandProbe.SucceedsAsync(runtime, ["container", "ls", "-n", "1"], Timeout, cancellationToken);
}

namespace PolarGrid.AppHost.Runtime;

/// <summary>Whether the host has an NVIDIA GPU that a container could be given with <c>--gpus all</c>.</summary>
public static class NvidiaGpuProbe
{
    public static Task<bool> IsPresentAsync(CancellationToken cancellationToken = default) =>
        CommandProbe.SucceedsAsync("nvidia-smi", ["-L"], TimeSpan.FromSeconds(10), cancellationToken);
}

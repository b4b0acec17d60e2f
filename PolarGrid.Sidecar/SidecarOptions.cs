namespace PolarGrid.Sidecar;

/// <summary>How the sidecar deploys packages. Bound from the <c>Sidecar</c> section.</summary>
public sealed class SidecarOptions
{
    public const string SectionName = "Sidecar";

    /// <summary>
    /// How often the queue and the repository are looked at even without a file-system event: events can be lost
    /// (watcher overflow, network volumes), and Triton can restart and forget its models without telling anyone.
    /// </summary>
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one <c>RepositoryModelLoad</c> may take, and how long the model then has to report READY. Large LLMs
    /// take minutes to load, so the default is generous.
    /// </summary>
    public TimeSpan LoadTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long an unloaded model may stay READY/UNLOADING before the unload is reported failed.</summary>
    public TimeSpan UnloadTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Largest single file a package may carry.</summary>
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024 * 1024;

    /// <summary>Largest package (all files together).</summary>
    public long MaxModelBytes { get; set; } = 256L * 1024 * 1024 * 1024;

    /// <summary>
    /// Where Triton sees the model repository (e.g. <c>/models</c> inside its container). Only paths written into
    /// model files for Triton (a vLLM <c>model.json</c>) use it. Empty: the same as <c>Node:ModelRepositoryPath</c>.
    /// </summary>
    public string TritonModelRepositoryPath { get; set; } = "";
}

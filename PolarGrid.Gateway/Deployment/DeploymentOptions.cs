using PolarGrid.Conversion;

namespace PolarGrid.Gateway.Deployment;

/// <summary>How this node deploys models. Bound from the <c>Deployment</c> section.</summary>
public sealed class DeploymentOptions
{
    public const string SectionName = "Deployment";

    /// <summary>Which Triton this node runs, hence which model formats it can serve.</summary>
    public TritonFlavour Flavour { get; set; } = TritonFlavour.PolarGridCpu;

    /// <summary>Where Triton runs model instances.</summary>
    public DeviceKind Device { get; set; } = DeviceKind.Cpu;

    /// <summary><c>max_batch_size</c> for ONNX models whose graph has a batch dimension.</summary>
    public int MaxBatchSize { get; set; } = 8;

    /// <summary>Largest single file a job downloads; larger ones are refused before any byte is fetched.</summary>
    public long MaxFileBytes { get; set; } = 32L * 1024 * 1024 * 1024;

    /// <summary>Jobs downloading or converting at once; the rest wait in the queue.</summary>
    public int MaxConcurrentJobs { get; set; } = 1;

    /// <summary>How long the sidecar may take to answer a staged package before the job fails.</summary>
    public TimeSpan SidecarTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often a staged job looks for the sidecar's answer.</summary>
    public TimeSpan ResultPollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long <c>DELETE /v1/models/{id}</c> waits for the unload before answering 202.</summary>
    public TimeSpan UnloadWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long resolving a revision at the Hub may take while the caller waits.</summary>
    public TimeSpan ResolveTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

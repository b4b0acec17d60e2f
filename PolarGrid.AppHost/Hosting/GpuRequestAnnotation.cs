using Aspire.Hosting.ApplicationModel;

namespace PolarGrid.AppHost.Hosting;

/// <summary>
/// The resource needs NVIDIA GPUs. Aspire has no GPU concept: locally it becomes <c>--gpus all</c>, and the
/// manifest emitter turns it into an <c>nvidia.com/gpu</c> limit and the <c>nvidia</c> runtime class.
/// </summary>
public sealed record GpuRequestAnnotation(int Count) : IResourceAnnotation;

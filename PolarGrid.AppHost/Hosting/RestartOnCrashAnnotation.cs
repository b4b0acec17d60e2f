using Aspire.Hosting.ApplicationModel;

namespace PolarGrid.AppHost.Hosting;

/// <summary>
/// The resource is started again when its process dies on its own (a crash, a kill), as Kubernetes restarts a pod's
/// container: after <see cref="InitialBackoff"/>, doubling for each crash in a row up to <see cref="MaxBackoff"/>.
/// A stop asked for (the dashboard's Stop, the app host shutting down) is left alone.
/// </summary>
public sealed record RestartOnCrashAnnotation(TimeSpan InitialBackoff, TimeSpan MaxBackoff) : IResourceAnnotation
{
    /// <summary>A resource that stayed up this long has recovered: its next crash starts the back-off anew.</summary>
    public TimeSpan HealthyAfter { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan BackoffFor(int crashesInARow) =>
        TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, InitialBackoff.Ticks * (1L << Math.Clamp(crashesInARow - 1, 0, 20))));
}

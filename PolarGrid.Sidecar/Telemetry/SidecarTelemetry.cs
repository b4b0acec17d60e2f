using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PolarGrid.Sidecar.Telemetry;

/// <summary>
/// The sidecar's spans and counters, under the name ServiceDefaults registers for every <c>PolarGrid.*</c> source.
/// </summary>
public sealed class SidecarTelemetry
{
    public const string Name = "PolarGrid.Sidecar";

    public static readonly ActivitySource ActivitySource = new(Name);

    public SidecarTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        Packages = meter.CreateCounter<long>("polargrid.sidecar.packages", "{package}",
            "Packages finished, by action and final state.");
        Loads = meter.CreateCounter<long>("polargrid.sidecar.model.loads", "{load}",
            "Models Triton loaded for the sidecar, by trigger (package or reconcile).");
        LoadFailures = meter.CreateCounter<long>("polargrid.sidecar.model.load_failures", "{load}",
            "Loads Triton refused or did not finish, by trigger (package or reconcile).");
        PackageDuration = meter.CreateHistogram<double>("polargrid.sidecar.package.duration", "s",
            "Time from taking a package to its final result.");
    }

    public Counter<long> Packages { get; }

    public Counter<long> Loads { get; }

    public Counter<long> LoadFailures { get; }

    public Histogram<double> PackageDuration { get; }
}

namespace PolarGrid.AppHost.Runtime;

public enum FleetRuntime
{
    /// <summary>Postgres and each colo's real Triton run as containers.</summary>
    Containers,

    /// <summary>Postgres from the machine's binaries and our CPU inference server stand in, as processes.</summary>
    Processes,
}

/// <summary>The runtime the fleet will use and what the probes found, so the choice can be explained.</summary>
public sealed record RuntimeChoice(
    FleetRuntime Runtime,
    string Reason,
    string? ContainerRuntime,
    string? PostgresBinDirectory,
    bool HasNvidiaGpu);

/// <summary>
/// The fleet cannot be set up: the machine lacks a prerequisite or the configuration is wrong. The message says what
/// to do; the app host prints it alone, without a stack trace.
/// </summary>
public sealed class FleetSetupException(string message) : Exception(message);

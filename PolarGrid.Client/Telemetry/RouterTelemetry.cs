using System.Diagnostics;

namespace PolarGrid.Client.Telemetry;

/// <summary>The router's span source and the attribute names its spans and metrics share.</summary>
public static class RouterTelemetry
{
    /// <summary>The name of both the <see cref="ActivitySource"/> and the meter; add it to tracing and metrics.</summary>
    public const string Name = "PolarGrid.Client";

    public const string NodeTag = "polargrid.node";
    public const string ModelTag = "polargrid.model";
    public const string AttemptTag = "polargrid.attempt";
    public const string AttemptReasonTag = "polargrid.attempt.reason";
    public const string AttemptsTag = "polargrid.attempts";
    public const string OutcomeTag = "polargrid.outcome";
    public const string ReasonTag = "polargrid.reason";
    public const string SourceTag = "polargrid.routing_table.source";
    public const string StatusCodeTag = "http.response.status_code";

    internal static readonly ActivitySource Source = new(Name);
}

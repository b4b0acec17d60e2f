using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PolarGrid.Gateway.Telemetry;

/// <summary>
/// The gateway's spans and metrics, named by the OpenTelemetry GenAI semantic conventions where they exist
/// (<c>gen_ai.*</c>); rejections are PolarGrid's own.
/// </summary>
public sealed class GatewayTelemetry : IDisposable
{
    public const string Name = "PolarGrid.Gateway";

    public static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>Bucket bounds (s) of time to first token, shared by the histogram and the <c>traffic</c> health check.</summary>
    public static readonly double[] TimeToFirstTokenBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter;

    public GatewayTelemetry(IMeterFactory meters, TimeProvider time)
    {
        _meter = meters.Create(Name);
        Traffic = new TrafficCounters(time.GetUtcNow());
        TimeToFirstToken = _meter.CreateHistogram<double>("gen_ai.server.time_to_first_token", "s",
            "Time from request start to the first generated token", advice: new() { HistogramBucketBoundaries = TimeToFirstTokenBuckets });
        TimePerOutputToken = _meter.CreateHistogram<double>("gen_ai.server.time_per_output_token", "s",
            "Time per output token after the first", advice: new() { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25] });
        RequestDuration = _meter.CreateHistogram<double>("gen_ai.server.request.duration", "s",
            "Duration of GenAI requests", advice: new() { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        TokenUsage = _meter.CreateHistogram<int>("gen_ai.client.token.usage", "{token}", "Tokens used per request");
        Rejections = _meter.CreateCounter<long>("polargrid.gateway.rejections", "{request}", "Requests refused, by reason");
    }

    public Histogram<double> TimeToFirstToken { get; }
    public Histogram<double> TimePerOutputToken { get; }
    public Histogram<double> RequestDuration { get; }
    public Histogram<int> TokenUsage { get; }
    public Counter<long> Rejections { get; }

    /// <summary>Cumulative counters for the control plane (see <see cref="TrafficHealthCheck"/>).</summary>
    public TrafficCounters Traffic { get; }

    public void RecordTimeToFirstToken(double seconds, in TagList tags)
    {
        TimeToFirstToken.Record(seconds, tags);
        Traffic.TimeToFirstToken(seconds);
    }

    public void Reject(string reason, string? model = null) =>
        Rejections.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("gen_ai.request.model", model));

    public static Activity? StartOperation(string operation, string model)
    {
        var activity = ActivitySource.StartActivity($"{operation} {model}", ActivityKind.Internal);
        activity?.SetTag("gen_ai.operation.name", operation);
        activity?.SetTag("gen_ai.provider.name", "polargrid");
        activity?.SetTag("gen_ai.request.model", model);
        return activity;
    }

    public void Dispose() => _meter.Dispose();
}

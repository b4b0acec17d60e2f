using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PolarGrid.Client.Telemetry;

/// <summary>The router's instruments (meter <c>PolarGrid.Client</c>), created through the host's meter factory.</summary>
internal sealed class RouterMetrics
{
    private readonly Counter<long> _requests;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _hedges;
    private readonly Counter<long> _ejections;
    private readonly Counter<long> _readmissions;
    private readonly Counter<long> _tableUpdates;
    private readonly Histogram<double> _timeToFirstByte;

    public RouterMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(RouterTelemetry.Name);
        _requests = meter.CreateCounter<long>("polargrid.client.requests", "{request}",
            "Attempts sent to a node, by node, model and outcome (success, error, canceled).");
        _retries = meter.CreateCounter<long>("polargrid.client.retries", "{attempt}",
            "Attempts sent to another node because one failed before its first byte.");
        _hedges = meter.CreateCounter<long>("polargrid.client.hedges", "{attempt}",
            "Attempts sent to another node because one missed its model's time-to-first-token deadline.");
        _ejections = meter.CreateCounter<long>("polargrid.client.ejections", "{ejection}",
            "Nodes taken out of routing, by reason (probe, error_rate).");
        _readmissions = meter.CreateCounter<long>("polargrid.client.readmissions", "{readmission}",
            "Ejected nodes routed to again after successful probes.");
        _tableUpdates = meter.CreateCounter<long>("polargrid.client.routing_table.updates", "{update}",
            "Node sets put in use, by source (control_plane, cache, fallback).");
        _timeToFirstByte = meter.CreateHistogram<double>("polargrid.client.time_to_first_byte", "s",
            "Time from sending to a node to its response headers (the first token, for streams).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    }

    public void Attempt(string node, string? model, string outcome) =>
        _requests.Add(1, new TagList { { RouterTelemetry.NodeTag, node }, { RouterTelemetry.ModelTag, model }, { RouterTelemetry.OutcomeTag, outcome } });

    public void Retry(string? model) => _retries.Add(1, new KeyValuePair<string, object?>(RouterTelemetry.ModelTag, model));

    public void Hedge(string? model) => _hedges.Add(1, new KeyValuePair<string, object?>(RouterTelemetry.ModelTag, model));

    public void Ejected(string node, string reason) =>
        _ejections.Add(1, new KeyValuePair<string, object?>(RouterTelemetry.NodeTag, node), new KeyValuePair<string, object?>(RouterTelemetry.ReasonTag, reason));

    public void Readmitted(string node) => _readmissions.Add(1, new KeyValuePair<string, object?>(RouterTelemetry.NodeTag, node));

    public void TableUpdated(string source) => _tableUpdates.Add(1, new KeyValuePair<string, object?>(RouterTelemetry.SourceTag, source));

    public void TimeToFirstByte(string node, string? model, TimeSpan elapsed) =>
        _timeToFirstByte.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(RouterTelemetry.NodeTag, node), new KeyValuePair<string, object?>(RouterTelemetry.ModelTag, model));
}

using System.Globalization;
using System.Text;
using PolarGrid.InferenceServer.Repository;
using PolarGrid.InferenceServer.Telemetry;

namespace PolarGrid.InferenceServer.Http;

/// <summary>
/// Prometheus text on <c>/metrics</c> with Triton's metric names and labels, so dashboards and the control plane's
/// collector read either server the same way.
/// </summary>
public static class MetricsApi
{
    private static readonly string[] Reasons = ["REJECTED", "CANCELED", "BACKEND", "OTHER"];

    public static IEndpointRouteBuilder MapTritonMetrics(this IEndpointRouteBuilder app, string host)
    {
        app.MapGet("/metrics", (ModelManager models) =>
            Results.Text(Render(models.ServedModels.OrderBy(model => model.Name, StringComparer.Ordinal).ThenBy(model => model.Version)
                .Select(model => (model.Name, model.Version, model.Statistics.Snapshot())).ToList()),
                "text/plain; version=0.0.4; charset=utf-8"))
            .RequireHost(host);
        return app;
    }

    public static string Render(IReadOnlyList<(string Model, long Version, MetricsSnapshot Snapshot)> models)
    {
        var text = new StringBuilder();
        Counter(text, "nv_inference_request_success", "Number of successful inference requests, all batch sizes", models, s => s.Success.Count);
        Family(text, "nv_inference_request_failure", "Number of failed inference requests, all batch sizes", "counter");
        foreach (var (model, version, snapshot) in models)
        {
            for (var i = 0; i < Reasons.Length; i++)
            {
                text.Append(CultureInfo.InvariantCulture, $"nv_inference_request_failure{{model=\"{model}\",reason=\"{Reasons[i]}\",version=\"{version}\"}} {snapshot.FailuresByReason[i]}\n");
            }
        }
        Counter(text, "nv_inference_count", "Number of inferences performed (does not include cached requests)", models, s => s.InferenceCount);
        Counter(text, "nv_inference_exec_count", "Number of model executions performed (does not include cached requests)", models, s => s.ExecutionCount);
        Counter(text, "nv_inference_request_duration_us", "Cumulative inference request duration in microseconds (includes cached requests)", models, s => (s.Success.Nanoseconds + s.Fail.Nanoseconds) / 1000);
        Counter(text, "nv_inference_queue_duration_us", "Cumulative inference queuing duration in microseconds (includes cached requests)", models, s => s.Queue.Nanoseconds / 1000);
        Counter(text, "nv_inference_compute_input_duration_us", "Cumulative compute input duration in microseconds (does not include cached requests)", models, s => s.ComputeInput.Nanoseconds / 1000);
        Counter(text, "nv_inference_compute_infer_duration_us", "Cumulative compute inference duration in microseconds (does not include cached requests)", models, s => s.ComputeInfer.Nanoseconds / 1000);
        Counter(text, "nv_inference_compute_output_duration_us", "Cumulative inference compute output duration in microseconds (does not include cached requests)", models, s => s.ComputeOutput.Nanoseconds / 1000);

        Family(text, "nv_inference_pending_request_count", "Instantaneous number of pending requests awaiting execution per-model.", "gauge");
        foreach (var (model, version, snapshot) in models)
        {
            text.Append(CultureInfo.InvariantCulture, $"nv_inference_pending_request_count{{model=\"{model}\",version=\"{version}\"}} {snapshot.Pending}\n");
        }

        Family(text, "nv_inference_first_response_histogram_ms", "Duration from request to first response in milliseconds", "histogram");
        foreach (var (model, version, snapshot) in models)
        {
            long cumulative = 0;
            for (var i = 0; i < ModelCounters.FirstResponseBucketsMs.Length; i++)
            {
                cumulative += snapshot.FirstResponseBuckets[i];
                text.Append(CultureInfo.InvariantCulture,
                    $"nv_inference_first_response_histogram_ms_bucket{{model=\"{model}\",version=\"{version}\",le=\"{ModelCounters.FirstResponseBucketsMs[i]}\"}} {cumulative}\n");
            }
            cumulative += snapshot.FirstResponseBuckets[^1];
            text.Append(CultureInfo.InvariantCulture, $"nv_inference_first_response_histogram_ms_bucket{{model=\"{model}\",version=\"{version}\",le=\"+Inf\"}} {cumulative}\n");
            text.Append(CultureInfo.InvariantCulture, $"nv_inference_first_response_histogram_ms_sum{{model=\"{model}\",version=\"{version}\"}} {snapshot.FirstResponseSumNs / 1e6}\n");
            text.Append(CultureInfo.InvariantCulture, $"nv_inference_first_response_histogram_ms_count{{model=\"{model}\",version=\"{version}\"}} {snapshot.FirstResponseCount}\n");
        }
        return text.ToString();
    }

    private static void Counter(StringBuilder text, string name, string help,
        IReadOnlyList<(string Model, long Version, MetricsSnapshot Snapshot)> models, Func<MetricsSnapshot, long> value)
    {
        Family(text, name, help, "counter");
        foreach (var (model, version, snapshot) in models)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}{{model=\"{model}\",version=\"{version}\"}} {value(snapshot)}\n");
        }
    }

    private static void Family(StringBuilder text, string name, string help, string type) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
}

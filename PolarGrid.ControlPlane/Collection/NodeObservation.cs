using System.Text.Json.Serialization;
using PolarGrid.Routing;

namespace PolarGrid.ControlPlane.Collection;

/// <summary>What one pull of a node's <c>/health</c> found.</summary>
public sealed record NodeObservation(
    string Colo,
    DateTimeOffset CollectedAt,
    string State,
    string? Reason,
    double? LatencyMs,
    IReadOnlyList<RoutedModel> Models,
    NodeTraffic? Traffic);

/// <summary>
/// A gateway's cumulative traffic counters since <see cref="StartedAt"/> (its <c>traffic</c> health check), stored as
/// JSON with each sample. Differences between two samples of one <see cref="StartedAt"/> become rates.
/// </summary>
public sealed record NodeTraffic(
    [property: JsonPropertyName("started_at")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("requests")] long Requests,
    [property: JsonPropertyName("errors")] long Errors,
    [property: JsonPropertyName("ttft_count")] long TimeToFirstTokenCount,
    [property: JsonPropertyName("ttft_sum_ms")] double TimeToFirstTokenSumMs,
    [property: JsonPropertyName("ttft_bucket_bounds_ms")] IReadOnlyList<double> TimeToFirstTokenBoundsMs,
    [property: JsonPropertyName("ttft_bucket_counts")] IReadOnlyList<long> TimeToFirstTokenCounts);

[JsonSerializable(typeof(NodeTraffic))]
[JsonSerializable(typeof(List<RoutedModel>))]
public sealed partial class CollectionJsonContext : JsonSerializerContext;

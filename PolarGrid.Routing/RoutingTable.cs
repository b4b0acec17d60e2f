using System.Text.Json.Serialization;

namespace PolarGrid.Routing;

/// <summary>A model on a node, as the node's <c>/v1/models</c> and <c>/health</c> reported it at the last collection.</summary>
public sealed record RoutedModel(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("state")] string State);

/// <summary>Aggregates over the last collection window; null where the node did not say.</summary>
public sealed record NodeMetrics(
    [property: JsonPropertyName("request_rate")] double? RequestRate,
    [property: JsonPropertyName("error_rate")] double? ErrorRate,
    [property: JsonPropertyName("ttft_p50_ms")] double? TimeToFirstTokenP50Ms);

/// <summary>One node of the fleet as the control plane last saw it.</summary>
public sealed record RoutedNode(
    [property: JsonPropertyName("colo")] string Colo,
    [property: JsonPropertyName("region")] string Region,
    [property: JsonPropertyName("url")] Uri Url,
    [property: JsonPropertyName("latitude")] double? Latitude,
    [property: JsonPropertyName("longitude")] double? Longitude,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("last_seen_at")] DateTimeOffset? LastSeenAt,
    [property: JsonPropertyName("models")] IReadOnlyList<RoutedModel> Models,
    [property: JsonPropertyName("metrics")] NodeMetrics Metrics)
{
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string Down = "down";
    public const string Unknown = "unknown";
}

/// <summary>
/// What clients route with: every node, its models, state and metrics. <see cref="Version"/> only ever grows;
/// <see cref="Stale"/> says the control plane could not reach its database and is serving its last known table.
/// </summary>
public sealed record RoutingTable(
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("generated_at")] DateTimeOffset GeneratedAt,
    [property: JsonPropertyName("stale")] bool Stale,
    [property: JsonPropertyName("nodes")] IReadOnlyList<RoutedNode> Nodes);

/// <summary>
/// The wire form of <c>GET /v1/routing-table</c>: the table's exact JSON bytes (base64url) and an ECDSA P-256 /
/// SHA-256 signature over those bytes, so a client verifies offline what it caches and no canonical JSON is needed.
/// </summary>
public sealed record SignedRoutingTable(
    [property: JsonPropertyName("key_id")] string KeyId,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("payload")] string Payload,
    [property: JsonPropertyName("signature")] string Signature)
{
    public const string EcdsaP256Sha256 = "ES256";
}

[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(RoutingTable))]
[JsonSerializable(typeof(SignedRoutingTable))]
public sealed partial class RoutingJsonContext : JsonSerializerContext;

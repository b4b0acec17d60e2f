using System.Text.Json.Serialization;
using PolarGrid.Routing;

namespace PolarGrid.Client.RoutingTables;

/// <summary>
/// The cache file: the signed table exactly as the control plane sent it (verified again at every load) and when the
/// control plane last vouched for it. The signature covers the table, not that time; the table's own signed
/// <c>generated_at</c> is the floor, and a time in the future is clamped to now. No ETag is kept: an unsigned one
/// could make a 304 vouch for an old table, so a restarted process asks for the whole table once.
/// </summary>
internal sealed record CachedRoutingTable(
    [property: JsonPropertyName("confirmed_at")] DateTimeOffset ConfirmedAt,
    [property: JsonPropertyName("table")] SignedRoutingTable Table);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(CachedRoutingTable))]
internal sealed partial class CacheJsonContext : JsonSerializerContext;

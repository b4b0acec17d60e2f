using System.Text.Json.Serialization;

namespace PolarGrid.Routing;

/// <summary>
/// The wire form of <c>GET /v1/routing-table/keys</c>: the public keys (SubjectPublicKeyInfo PEM) that routing tables
/// are signed with, by key id. <see cref="Keys"/> goes straight into <see cref="RoutingTableVerifier.FromPem"/>; it holds
/// the current key and, during a rotation, the previous ones, so a client can pin them all.
/// </summary>
public sealed record RoutingTableKeys(
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("current_key_id")] string CurrentKeyId,
    [property: JsonPropertyName("keys")] IReadOnlyDictionary<string, string> Keys);

// A context of its own, so that this addition leaves RoutingJsonContext (which clients already use) untouched.
[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(RoutingTableKeys))]
public sealed partial class RoutingKeysJsonContext : JsonSerializerContext;

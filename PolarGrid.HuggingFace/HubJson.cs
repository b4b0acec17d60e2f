using System.Text.Json;
using System.Text.Json.Serialization;

namespace PolarGrid.HuggingFace;

/// <summary>The fields of <c>/api/models/{repo}/revision/{rev}</c> the client uses; the Hub sends many more.</summary>
internal sealed record ModelInfoResponse(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("sha")] string? Sha,
    [property: JsonPropertyName("private")] bool? Private,
    // false, "auto" or "manual".
    [property: JsonPropertyName("gated")] JsonElement Gated);

/// <summary>One item of a tree page: a file (with <c>lfs</c> when stored in LFS) or a directory.</summary>
internal sealed record TreeEntry(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("path")] string? Path,
    [property: JsonPropertyName("size")] long? Size,
    [property: JsonPropertyName("oid")] string? Oid,
    [property: JsonPropertyName("lfs")] TreeEntryLfs? Lfs);

/// <summary><c>oid</c> is the content's sha256 in plain lowercase hex.</summary>
internal sealed record TreeEntryLfs(
    [property: JsonPropertyName("oid")] string? Oid,
    [property: JsonPropertyName("size")] long? Size);

// Source-generated: no reflection over Hub answers, and trimming-safe for the hosts that publish trimmed.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ModelInfoResponse))]
[JsonSerializable(typeof(TreeEntry[]))]
internal sealed partial class HubJsonContext : JsonSerializerContext;

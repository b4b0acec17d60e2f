using System.Buffers;

namespace PolarGrid.Staging;

/// <summary>
/// The names that become paths on a node's volumes. Anything else is refused before it touches a disk.
/// </summary>
public static class StagingNames
{
    private static readonly SearchValues<char> NameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    private static readonly SearchValues<char> JobIdChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");

    /// <summary>
    /// A served model name: what clients pass as <c>model</c>, Triton's model folder and the gateway's asset folder.
    /// Letters, digits, <c>-</c>, <c>_</c>, <c>.</c>; starts with a letter or digit; no <c>..</c>; at most 128 characters.
    /// </summary>
    public static bool IsValidModelName(string? name) =>
        name is { Length: > 0 and <= 128 } &&
        char.IsAsciiLetterOrDigit(name[0]) &&
        !name.AsSpan().ContainsAnyExcept(NameChars) &&
        !name.Contains("..", StringComparison.Ordinal);

    public static string RequireModelName(string name) =>
        IsValidModelName(name) ? name : throw new ArgumentException($"'{name}' is not a valid model name.", nameof(name));

    /// <summary>Job ids are ours (<see cref="NewJobId"/>), but they come back in URLs, so they are checked too.</summary>
    public static bool IsValidJobId(string? id) =>
        id is { Length: > 0 and <= 64 } && char.IsAsciiLetterOrDigit(id[0]) && !id.AsSpan().ContainsAnyExcept(JobIdChars);

    public static string RequireJobId(string id) =>
        IsValidJobId(id) ? id : throw new ArgumentException($"'{id}' is not a valid job id.", nameof(id));

    /// <summary>A new job id that sorts by creation time: <c>job-&lt;unix ms, hex&gt;-&lt;random&gt;</c>.</summary>
    public static string NewJobId(TimeProvider time) =>
        $"job-{time.GetUtcNow().ToUnixTimeMilliseconds():x12}-{Guid.NewGuid().ToString("N")[..12]}";
}

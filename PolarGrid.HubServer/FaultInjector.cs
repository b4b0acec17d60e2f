using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace PolarGrid.HubServer;

/// <summary>Holds the state of the configured faults (which blobs were already cut short, how many requests were counted).</summary>
public sealed class FaultInjector(IOptions<HubOptions> options)
{
    private readonly ConcurrentDictionary<string, bool> _truncatedBlobs = new(StringComparer.OrdinalIgnoreCase);
    private long _apiRequests;

    /// <summary>Bytes to send before aborting, only for the first GET of a blob.</summary>
    public long? TruncationFor(string sha256) =>
        options.Value.Faults.TruncateAfterBytes is { } limit && _truncatedBlobs.TryAdd(sha256, true) ? limit : null;

    public bool IsCorrupt(RepoSnapshot repo, RepoFile file) =>
        options.Value.Faults.CorruptPaths.Any(p => p == file.Path || p == $"{repo.Id}/{file.Path}");

    public long? CdnBytesPerSecond => options.Value.Faults.CdnBytesPerSecond is > 0 and var rate ? rate : null;

    public bool IsRateLimited() =>
        options.Value.Faults.RateLimitAfter is { } limit && Interlocked.Increment(ref _apiRequests) > limit;
}

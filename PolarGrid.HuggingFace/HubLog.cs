using Microsoft.Extensions.Logging;

namespace PolarGrid.HuggingFace;

/// <summary>The client's log lines. None takes the token or a URL with a signature in it.</summary>
internal static partial class HubLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Resolved {RepoId} at {Revision} to commit {Commit}")]
    public static partial void Resolved(ILogger logger, string repoId, string revision, string commit);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Listed {FileCount} files of {RepoId} at {Commit} in {Pages} page(s)")]
    public static partial void Listed(ILogger logger, int fileCount, string repoId, string commit, int pages);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Downloaded {RepoId}/{Path}: {Bytes} bytes in {DurationMs} ms, {FetchedBytes} bytes fetched at {RateMBps} MB/s")]
    public static partial void Downloaded(ILogger logger, string repoId, string path, long bytes, long durationMs, long fetchedBytes, double rateMBps);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Resuming {RepoId}/{Path} from byte {Offset} of {Size} left by an earlier attempt")]
    public static partial void Resuming(ILogger logger, string repoId, string path, long offset, long size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} of {MaxAttempts} for {Target} failed ({Reason}); retrying in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, int attempt, int maxAttempts, string target, string reason, long delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The server ignored the range request for {RepoId}/{Path} (HTTP {StatusCode}); downloading it again from byte 0")]
    public static partial void RangeIgnored(ILogger logger, string repoId, string path, int statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The partial download of {RepoId}/{Path} left by an earlier attempt did not verify; downloading it again from byte 0")]
    public static partial void DiscardingLeftover(ILogger logger, string repoId, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Integrity check failed for {RepoId}/{Path}: {Problem}; the partial file was deleted")]
    public static partial void IntegrityMismatch(ILogger logger, string repoId, string path, string problem);
}

using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PolarGrid.Client.Telemetry;

namespace PolarGrid.Client.RoutingTables;

/// <summary>
/// Keeps the last verified table on disk so a process that starts while the control plane is away can still route.
/// Written to a temporary file beside the cache, flushed, then renamed over it: a crash or a concurrent reader sees
/// the old file or the new one, never half of one. Best effort: a cache that cannot be read or written is logged.
/// </summary>
internal sealed class RoutingTableCache(IOptions<RouterOptions> options, ILogger<RoutingTableCache> logger)
{
    private readonly string? _path = options.Value.CachePath is { Length: > 0 } path ? Path.GetFullPath(path) : null;

    public async Task<CachedRoutingTable?> LoadAsync(CancellationToken cancellationToken)
    {
        if (_path is null || !File.Exists(_path))
        {
            return null;
        }
        try
        {
            await using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous);
            return await JsonSerializer.DeserializeAsync(stream, CacheJsonContext.Default.CachedRoutingTable, cancellationToken);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or JsonException)
        {
            RouterLog.CacheReadFailed(logger, _path, error.Message);
            return null;
        }
    }

    public async Task SaveAsync(CachedRoutingTable table, CancellationToken cancellationToken)
    {
        if (_path is null)
        {
            return;
        }
        var temporary = $"{_path}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await JsonSerializer.SerializeAsync(stream, table, CacheJsonContext.Default.CachedRoutingTable, cancellationToken);
                // Durable before it becomes visible: the rename can otherwise reach the disk before the data.
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, _path, overwrite: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            RouterLog.CacheWriteFailed(logger, _path, error);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}

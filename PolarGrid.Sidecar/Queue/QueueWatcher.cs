namespace PolarGrid.Sidecar.Queue;

/// <summary>
/// Wakes the worker as soon as a package is renamed into <c>queue/</c>. Only a hint: events can be lost or the watcher
/// may not start at all (inotify limits, network volumes), and the periodic rescan covers both.
/// </summary>
public sealed class QueueWatcher(WakeSignal signal, ILogger<QueueWatcher> logger) : IDisposable
{
    private FileSystemWatcher? _watcher;

    public bool IsWatching => _watcher is not null;

    /// <summary>Starts watching <paramref name="queue"/> unless it already is; a failure is logged, not thrown.</summary>
    public void EnsureWatching(string queue)
    {
        if (_watcher is not null)
        {
            return;
        }
        try
        {
            var watcher = new FileSystemWatcher(queue)
            {
                // A package arrives as a folder renamed in; nothing inside it changes afterwards.
                NotifyFilter = NotifyFilters.DirectoryName,
                IncludeSubdirectories = false,
            };
            watcher.Created += OnArrived;
            watcher.Renamed += OnArrived;
            watcher.Error += (_, error) =>
            {
                logger.LogWarning(error.GetException(), "The queue watcher lost events; the rescan will catch up");
                signal.Set();
            };
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception error) when (error is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot watch {Queue} ({Reason}); relying on the periodic rescan", queue, error.Message);
        }
    }

    private void OnArrived(object sender, FileSystemEventArgs change)
    {
        // The sidecar's own ".finished-" renames are not arrivals.
        if (change.Name is { } name && !name.StartsWith('.'))
        {
            signal.Set();
        }
    }

    public void Dispose() => _watcher?.Dispose();
}

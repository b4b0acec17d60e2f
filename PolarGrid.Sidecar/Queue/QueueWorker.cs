using Microsoft.Extensions.Options;
using PolarGrid.Sidecar.Packages;
using PolarGrid.Sidecar.Repository;
using PolarGrid.Sidecar.Triton;
using PolarGrid.Staging;

namespace PolarGrid.Sidecar.Queue;

/// <summary>
/// The sidecar's one loop: reconcile, then work through the queue one package at a time, oldest first, then sleep
/// until a package arrives or the rescan interval passes. Being the only writer of the repository and of results,
/// and doing one thing at a time, is what makes every step simple to undo after a crash.
/// </summary>
public sealed class QueueWorker(
    StagingLayout layout,
    ModelRepositoryFolder repository,
    RepositoryReconciler reconciler,
    PackageProcessor processor,
    QueueWatcher watcher,
    WakeSignal signal,
    SidecarState state,
    IOptions<SidecarOptions> options,
    TimeProvider time,
    ILogger<QueueWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting (health endpoints up) before the first, possibly long, reconcile.
        await Task.Yield();
        var interval = options.Value.RescanInterval;
        DateTimeOffset? lastReconcile = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (VolumesArePresent())
                {
                    layout.EnsureCreated();
                    watcher.EnsureWatching(layout.QueueRoot);
                    // Woken by a package, the queue is enough; the repository is looked at once per interval.
                    if (lastReconcile is null || time.GetUtcNow() - lastReconcile >= interval)
                    {
                        await reconciler.ReconcileAsync(stoppingToken);
                        lastReconcile = time.GetUtcNow();
                    }
                    await DrainQueueAsync(stoppingToken);
                    state.CycleCompleted(time.GetUtcNow());
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (TritonUnreachableException error)
            {
                state.CycleFailed(error.Message);
                logger.LogWarning("{Problem}", error.Message);
            }
            catch (Exception error)
            {
                state.CycleFailed($"The last cycle failed: {error.Message}");
                logger.LogError(error, "Sidecar cycle failed; retrying after {Interval}", interval);
            }

            try
            {
                await signal.WaitAsync(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>One package at a time, oldest first, re-reading the queue after each so late arrivals keep their order.</summary>
    private async Task DrainQueueAsync(CancellationToken cancellationToken)
    {
        while (layout.QueuedJobs() is [var oldest, ..])
        {
            await processor.ProcessAsync(oldest, cancellationToken);
        }
    }

    /// <summary>Missing volumes are an operator's problem to fix (the volumes check says so), not ours to paper over.</summary>
    private bool VolumesArePresent()
    {
        if (Directory.Exists(layout.Root) && Directory.Exists(repository.Root))
        {
            return true;
        }
        state.CycleFailed($"Waiting for the volumes: staging '{layout.Root}' and model repository '{repository.Root}' must both exist.");
        return false;
    }

    public override void Dispose()
    {
        watcher.Dispose();
        base.Dispose();
    }
}

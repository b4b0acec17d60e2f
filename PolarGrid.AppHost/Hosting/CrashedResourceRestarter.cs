using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PolarGrid.AppHost.Hosting;

/// <summary>
/// Watches the resources marked <see cref="RestartOnCrashAnnotation"/> and starts one again when its process ended
/// by itself: it was running, no stop was asked for (the Stop command is wrapped to say so, see
/// <see cref="StopRequests"/>; a <c>Stopping</c> state says so too), and it exited with a failure code (a crash, SIGKILL).
/// </summary>
internal sealed class CrashedResourceRestarter(
    ResourceNotificationService notifications,
    StopRequests stops,
    ResourceCommandService commands,
    TimeProvider time,
    ILogger<CrashedResourceRestarter> logger) : BackgroundService
{
    private readonly Dictionary<string, Watched> _resources = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken))
            {
                if (!update.Resource.TryGetLastAnnotation<RestartOnCrashAnnotation>(out var policy))
                {
                    continue;
                }
                var watched = _resources.TryGetValue(update.ResourceId, out var known) ? known : _resources[update.ResourceId] = new Watched();
                var state = update.Snapshot.State?.Text;
                if (state == watched.State)
                {
                    continue;
                }
                var previous = watched.State;
                watched.State = state;
                Interlocked.Increment(ref watched.Changes);
                logger.LogDebug("{Resource}: {Previous} -> {State} (exit code {ExitCode})", update.ResourceId, previous, state, update.Snapshot.ExitCode);

                if (state == KnownResourceStates.Running)
                {
                    // Running again: an earlier stop is over, however it ended (the orchestrator can leave a stopped
                    // project Unknown rather than Exited), and explains no later exit.
                    watched.RunningSince = time.GetUtcNow();
                    watched.StopRequested = false;
                    ConsumeStop(update);
                }
                else if (state == KnownResourceStates.Stopping)
                {
                    watched.StopRequested = true;
                }
                else if (state is not null && KnownResourceStates.TerminalStates.Contains(state))
                {
                    var stopAsked = ConsumeStop(update) | watched.StopRequested;
                    var crashed = previous == KnownResourceStates.Running && !stopAsked && update.Snapshot.ExitCode is not (null or 0);
                    watched.StopRequested = false;
                    if (crashed)
                    {
                        Restart(update.ResourceId, update.Snapshot.ExitCode!.Value, watched, policy, stoppingToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Whether a stop was asked for this instance (recorded under its id, or its name when it has no replicas).</summary>
    private bool ConsumeStop(ResourceEvent update) => stops.TryConsume(update.ResourceId) | stops.TryConsume(update.Resource.Name);

    private void Restart(string resourceId, int exitCode, Watched watched, RestartOnCrashAnnotation policy, CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        watched.CrashesInARow = watched.RunningSince is { } since && now - since >= policy.HealthyAfter ? 1 : watched.CrashesInARow + 1;
        var backoff = policy.BackoffFor(watched.CrashesInARow);
        logger.LogWarning("{Resource} exited with code {ExitCode} without being stopped (crash {Crashes} in a row); starting it again in {Backoff}",
            resourceId, exitCode, watched.CrashesInARow, backoff);

        var changes = watched.Changes;
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(backoff, time, stoppingToken);
                if (Volatile.Read(ref watched.Changes) != changes)
                {
                    return; // Started or stopped by someone else meanwhile: theirs is the newer word.
                }
                var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stoppingToken);
                if (!result.Success)
                {
                    logger.LogError("Could not start {Resource} again: {Reason}", resourceId, result.Message);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
        }, CancellationToken.None);
    }

    private sealed class Watched
    {
        public string? State { get; set; }
        public DateTimeOffset? RunningSince { get; set; }
        public bool StopRequested { get; set; }
        public int CrashesInARow { get; set; }

        /// <summary>Counts state changes, so a delayed restart can tell that something else happened meanwhile.</summary>
        public int Changes;
    }
}

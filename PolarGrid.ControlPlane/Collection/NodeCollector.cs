using Microsoft.Extensions.Options;
using PolarGrid.ControlPlane.Data;
using PolarGrid.ControlPlane.Routing;
using PolarGrid.ControlPlane.Telemetry;
using PolarGrid.Routing;

namespace PolarGrid.ControlPlane.Collection;

/// <summary>
/// Every <see cref="CollectorOptions.Interval"/>, on the replica that holds the collector lock: pulls every registered
/// node's <c>/health</c> at once, records the samples (pruning history), and publishes the routing table if it changed.
/// The other replicas only try the lock, so one of them takes over when the collecting one goes away.
/// </summary>
public sealed class NodeCollector(
    CollectorLeadership leadership,
    NodeRepository nodes,
    NodeProber prober,
    SampleRepository samples,
    RoutingTablePublisher publisher,
    RoutingTableSource routingTable,
    CollectorStatus status,
    ControlPlaneTelemetry telemetry,
    IOptions<CollectorOptions> options,
    TimeProvider time,
    ILogger<NodeCollector> logger) : BackgroundService
{
    private readonly Dictionary<string, string> _lastStates = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
        {
            try
            {
                if (await leadership.TryLeadAsync(stoppingToken))
                {
                    await CollectAsync(stoppingToken);
                }
                else
                {
                    _lastStates.Clear(); // A future term starts from what Postgres says, not from an old memory.
                }
            }
            catch (Exception error) when (!stoppingToken.IsCancellationRequested)
            {
                // The loop must outlive any one failed round (Postgres away, a node removed mid-round...).
                telemetry.CollectionFailed();
                logger.LogWarning(error, "Collection failed: {Reason}", error.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await leadership.ReleaseAsync();
    }

    private async Task CollectAsync(CancellationToken cancellationToken)
    {
        using var activity = ControlPlaneTelemetry.ActivitySource.StartActivity("collect nodes");
        var started = time.GetTimestamp();

        var registered = await nodes.ListAsync(cancellationToken);
        var observations = await Task.WhenAll(registered.Select(node => prober.ProbeAsync(node, cancellationToken)));
        await samples.InsertAndPruneAsync(observations, cancellationToken);
        var version = await publisher.PublishAsync(cancellationToken);
        if (routingTable.Current?.Table.Version != version)
        {
            await routingTable.RefreshAsync(cancellationToken);
        }

        status.Completed(time.GetUtcNow(), observations);
        telemetry.CollectionCompleted(time.GetElapsedTime(started));
        activity?.SetTag("polargrid.nodes", observations.Length);
        activity?.SetTag("polargrid.nodes.down", observations.Count(observation => observation.State == RoutedNode.Down));
        activity?.SetTag("polargrid.routing_table.version", version);
        LogTransitions(observations);
    }

    private void LogTransitions(IReadOnlyList<NodeObservation> observations)
    {
        foreach (var observation in observations)
        {
            if (_lastStates.TryGetValue(observation.Colo, out var previous) && previous == observation.State)
            {
                continue;
            }
            _lastStates[observation.Colo] = observation.State;
            if (observation.Reason is null)
            {
                logger.LogInformation("Node {Colo} is {State}", observation.Colo, observation.State);
            }
            else
            {
                logger.LogWarning("Node {Colo} is {State}: {Reason}", observation.Colo, observation.State, observation.Reason);
            }
        }
    }
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PolarGrid.Client.Nodes;
using PolarGrid.Client.RoutingTables;
using PolarGrid.Client.Telemetry;

namespace PolarGrid.Client.Health;

/// <summary>
/// Probes every node's <c>/health</c> once per interval, all nodes at once, so a node that turns bad is out of
/// routing within one interval (plus jitter and the probe timeout). The jitter keeps many clients from probing the
/// fleet in lockstep.
/// </summary>
internal sealed class HealthProbeService(
    NodeRegistry registry,
    RoutingTableSource tableSource,
    NodeProber prober,
    NodeHealthPolicy healthPolicy,
    IOptions<RouterOptions> options,
    TimeProvider time,
    ILogger<HealthProbeService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await tableSource.InitializeAsync(stoppingToken);
            while (true)
            {
                try
                {
                    await ProbeAllAsync(stoppingToken);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    // One bad round must not end probing for the life of the process.
                    RouterLog.ProbeRoundFailed(logger, error);
                }
                await Task.Delay(NextWait(), time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private Task ProbeAllAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(registry.Nodes.Select(async node =>
            healthPolicy.ProbeCompleted(node, await prober.ProbeAsync(node, cancellationToken))));

    private TimeSpan NextWait()
    {
        var settings = options.Value;
        return settings.ProbeInterval + (settings.ProbeJitter * Random.Shared.NextDouble());
    }
}

using Microsoft.Extensions.Options;

namespace PolarGrid.ControlPlane.Routing;

/// <summary>Keeps <see cref="RoutingTableSource"/> in step with Postgres, every <see cref="RoutingTableOptions.PollInterval"/>.</summary>
public sealed class RoutingTableRefresher(
    RoutingTableSource source,
    IOptions<RoutingTableOptions> options,
    TimeProvider time,
    ILogger<RoutingTableRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await source.RefreshAsync(stoppingToken);
            }
            catch (Exception error) when (!stoppingToken.IsCancellationRequested)
            {
                // The loop must outlive any one bad refresh; the source already turned database failures into staleness.
                logger.LogError(error, "Refreshing the routing table failed");
            }
        }
    }
}

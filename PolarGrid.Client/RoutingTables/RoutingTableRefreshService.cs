using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PolarGrid.Client.Telemetry;

namespace PolarGrid.Client.RoutingTables;

/// <summary>Loads the routing table at start, then asks the control plane again every refresh interval.</summary>
internal sealed class RoutingTableRefreshService(
    RoutingTableSource tableSource,
    IOptions<RouterOptions> options,
    TimeProvider time,
    ILogger<RoutingTableRefreshService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await tableSource.InitializeAsync(stoppingToken);
            if (options.Value.ControlPlaneUrls.Count == 0)
            {
                return;
            }
            while (true)
            {
                await Task.Delay(options.Value.RefreshInterval, time, stoppingToken);
                try
                {
                    await tableSource.RefreshAsync(stoppingToken);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    // The control plane may be away for minutes; the next interval tries again.
                    RouterLog.RefreshFailed(logger, error);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

using PolarGrid.InferenceServer.Repository;

namespace PolarGrid.InferenceServer;

/// <summary>
/// Loads the start-up models before the server listens, as Triton does. With <c>--exit-on-error</c> (the default) a
/// start-up model that fails stops the server.
/// </summary>
public sealed class StartupModelLoader(ModelManager models) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => models.LoadStartupModelsAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

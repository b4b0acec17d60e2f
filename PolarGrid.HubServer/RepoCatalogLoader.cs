using Microsoft.Extensions.Options;

namespace PolarGrid.HubServer;

/// <summary>Hashes every configured repo at start; the catalog answers once this is done.</summary>
public sealed partial class RepoCatalogLoader(
    RepoCatalog catalog,
    IOptions<HubOptions> options,
    ILogger<RepoCatalogLoader> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var hub = options.Value;
            var sources = new Dictionary<string, string>(hub.Repositories, StringComparer.OrdinalIgnoreCase);
            if (hub.IncludeMiniLm && !sources.ContainsKey(MiniLmRepository.RepoId))
            {
                sources[MiniLmRepository.RepoId] = await MiniLmRepository.MaterializeAsync(hub.CacheDirectory, logger, cancellationToken);
            }

            var repos = new Dictionary<string, RepoSnapshot>(StringComparer.OrdinalIgnoreCase);
            foreach (var (repoId, folder) in sources)
            {
                if (repoId.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
                {
                    throw new InvalidOperationException($"Repo id '{repoId}' must have the form org/name.");
                }

                var snapshot = await RepoSnapshotBuilder.BuildAsync(repoId, folder, hub.LfsThresholdBytes, cancellationToken);
                repos[repoId] = snapshot;
                LogRepoLoaded(repoId, snapshot.Commit, snapshot.Files.Count, folder);
            }

            catalog.Publish(repos);
        }
        catch (Exception exception)
        {
            catalog.Fail(exception);
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving repo {RepoId} at commit {Commit} with {FileCount} files from {Folder}")]
    private partial void LogRepoLoaded(string repoId, string commit, int fileCount, string folder);
}

using PolarGrid.Contracts;
using PolarGrid.Gateway.Deployment;

namespace PolarGrid.Gateway.Models;

/// <summary>A model this node knows of, and where it is in its life.</summary>
public sealed record NodeModel(string Id, ModelKind? Kind, string State, string? Reason)
{
    public const string Ready = "ready";
    public const string Queued = "queued";
    public const string Downloading = "downloading";
    public const string Converting = "converting";
    public const string Loading = "loading";
    public const string Unloading = "unloading";
    public const string Failed = "failed";
}

/// <summary>
/// What the node serves: Triton's repository index joined with the gateway's model catalog and its load jobs (a model
/// still downloading is not in Triton yet). Read on demand and kept for a moment, since health probes and model
/// listings ask often.
/// </summary>
public sealed class NodeModels(TritonClient triton, ModelCatalog catalog, LoadJobStore jobs, TimeProvider time)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromMilliseconds(500);

    // Replaced whole (a reference), so a concurrent reader never sees one list with another's timestamp.
    private volatile Snapshot? _cached;

    // Bumped by Invalidate: a listing that started before a job changed the node must not be cached after it.
    private long _generation;

    public async Task<IReadOnlyList<NodeModel>> ListAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } cached && cached.Generation == Interlocked.Read(ref _generation) && time.GetUtcNow() - cached.At < Freshness)
        {
            return cached.Models;
        }

        var generation = Interlocked.Read(ref _generation);
        var index = await triton.GetRepositoryIndexAsync(cancellationToken: cancellationToken);
        var models = new Dictionary<string, NodeModel>(StringComparer.Ordinal);
        foreach (var entry in index)
        {
            var state = entry.State switch
            {
                "READY" => NodeModel.Ready,
                "LOADING" => NodeModel.Loading,
                "UNLOADING" => NodeModel.Unloading,
                "UNAVAILABLE" when entry.Reason != "unloaded" => NodeModel.Failed,
                _ => null,
            };
            if (state is null || (models.TryGetValue(entry.Name, out var seen) && seen.State == NodeModel.Ready))
            {
                continue;
            }
            models[entry.Name] = new NodeModel(entry.Name, catalog.Find(entry.Name)?.Descriptor.Kind, state,
                state == NodeModel.Failed ? entry.Reason : null);
        }

        AddJobs(models);
        var list = models.Values.OrderBy(model => model.Id, StringComparer.Ordinal).ToList();
        _cached = new Snapshot(time.GetUtcNow(), generation, list);
        return list;
    }

    /// <summary>Forgets the cached list, after a job changed what the node serves.</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _cached = null;
    }

    /// <summary>
    /// A model being deployed shows its job's phase unless Triton already serves a version of it; a model whose last
    /// job failed and that Triton does not serve shows the job's reason.
    /// </summary>
    private void AddJobs(Dictionary<string, NodeModel> models)
    {
        var latest = jobs.List()
            .Where(job => job.Action == JobAction.Load)
            .GroupBy(job => job.Name, StringComparer.Ordinal)
            .Select(group => group.First()); // List() is newest first.
        foreach (var job in latest)
        {
            if (models.TryGetValue(job.Name, out var known) && known.State is NodeModel.Ready or NodeModel.Loading)
            {
                continue;
            }
            var state = job.Phase switch
            {
                JobPhase.Queued => NodeModel.Queued,
                JobPhase.Downloading => NodeModel.Downloading,
                JobPhase.Converting => NodeModel.Converting,
                JobPhase.Staged or JobPhase.Loading => NodeModel.Loading,
                JobPhase.Failed when known is null => NodeModel.Failed,
                _ => null,
            };
            if (state is not null)
            {
                models[job.Name] = new NodeModel(job.Name, known?.Kind, state, state == NodeModel.Failed ? job.Error?.Message : null);
            }
        }
    }

    public async Task<NodeModel?> FindAsync(string id, CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken)).FirstOrDefault(model => model.Id == id);

    private sealed record Snapshot(DateTimeOffset At, long Generation, IReadOnlyList<NodeModel> Models);
}

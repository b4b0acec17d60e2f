using PolarGrid.Contracts;

namespace PolarGrid.Gateway.Models;

/// <summary>A model this node knows of, and where it is in its life.</summary>
public sealed record NodeModel(string Id, ModelKind? Kind, string State, string? Reason)
{
    public const string Ready = "ready";
    public const string Loading = "loading";
    public const string Unloading = "unloading";
    public const string Failed = "failed";
}

/// <summary>
/// What the node serves: Triton's repository index joined with the gateway's model catalog. Read on demand and kept
/// for a moment, since health probes and model listings ask often.
/// </summary>
public sealed class NodeModels(TritonClient triton, ModelCatalog catalog, TimeProvider time)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromMilliseconds(500);

    // Replaced whole (a reference), so a concurrent reader never sees one list with another's timestamp.
    private volatile Snapshot? _cached;

    public async Task<IReadOnlyList<NodeModel>> ListAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } cached && time.GetUtcNow() - cached.At < Freshness)
        {
            return cached.Models;
        }

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

        var list = models.Values.OrderBy(model => model.Id, StringComparer.Ordinal).ToList();
        _cached = new Snapshot(time.GetUtcNow(), list);
        return list;
    }

    public async Task<NodeModel?> FindAsync(string id, CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken)).FirstOrDefault(model => model.Id == id);

    private sealed record Snapshot(DateTimeOffset At, IReadOnlyList<NodeModel> Models);
}

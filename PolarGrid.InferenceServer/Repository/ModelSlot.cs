using System.Collections.Immutable;
using PolarGrid.InferenceServer.Models;

namespace PolarGrid.InferenceServer.Repository;

/// <summary>What is known about one model name; replaced whole, so readers never see a half-made change.</summary>
public sealed record ModelSnapshot(
    string State,
    string Reason,
    ImmutableSortedDictionary<long, ServedModel> Versions,
    bool Requested)
{
    public static readonly ModelSnapshot Initial = new(ModelState.Unknown, "", ImmutableSortedDictionary<long, ServedModel>.Empty, false);
}

/// <summary>One model name's life cycle. Loads and unloads of one name are serialised by <see cref="Gate"/>.</summary>
public sealed class ModelSlot(string name)
{
    private volatile ModelSnapshot _current = ModelSnapshot.Initial;

    public string Name { get; } = name;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public ModelSnapshot Current => _current;

    /// <summary>While re-loading, versions already loaded keep serving and the index keeps saying READY.</summary>
    public void MarkLoading()
    {
        var current = _current;
        _current = current.Versions.IsEmpty
            ? current with { State = ModelState.Loading, Reason = "", Requested = true }
            : current with { Requested = true };
    }

    /// <summary>Makes the new versions current; returns the ones they replace.</summary>
    public ImmutableSortedDictionary<long, ServedModel> Publish(ImmutableSortedDictionary<long, ServedModel> versions)
    {
        var previous = _current.Versions;
        _current = new ModelSnapshot(ModelState.Ready, "", versions, true);
        return previous;
    }

    /// <summary>A failed first load leaves the model UNAVAILABLE with the reason; a failed re-load keeps the old versions.</summary>
    public void Fail(string reason)
    {
        var current = _current;
        _current = current.Versions.IsEmpty
            ? current with { State = ModelState.Unavailable, Reason = reason }
            : current;
    }

    public ImmutableSortedDictionary<long, ServedModel> BeginUnload()
    {
        var current = _current;
        _current = current with { State = ModelState.Unloading, Reason = "", Requested = false };
        return current.Versions;
    }

    public void FinishUnload(ImmutableSortedDictionary<long, ServedModel> retired)
    {
        var current = _current;
        // A load that finished meanwhile has published new versions: leave them be.
        if (ReferenceEquals(current.Versions, retired))
        {
            _current = new ModelSnapshot(ModelState.Unavailable, "unloaded", ImmutableSortedDictionary<long, ServedModel>.Empty, false);
        }
    }
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PolarGrid.Client.Nodes;
using PolarGrid.Client.Telemetry;
using PolarGrid.Routing;

namespace PolarGrid.Client.RoutingTables;

/// <summary>
/// Decides which nodes the router uses: the control plane's table when it answers, the disk cache when it does not,
/// the configured fallback nodes when neither gives a table young enough. Every table is verified against the trusted
/// keys before use, wherever it came from; a table older in version than the one in use is refused (a replayed or
/// rolled-back table); a table is used only while the control plane vouched for it within <c>MaxStaleness</c>, and a
/// timer drops it the moment that runs out.
/// </summary>
internal sealed class RoutingTableSource : IDisposable
{
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly RouterOptions _options;
    private readonly RoutingTableVerifier? _verifier;
    private readonly ControlPlaneClient _controlPlane;
    private readonly RoutingTableCache _cache;
    private readonly NodeRegistry _registry;
    private readonly RouterMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _expiry;
    private Task? _initialization;
    private CachedRoutingTable? _held;
    private RoutingTable? _table;
    private string? _etag;

    public RoutingTableSource(
        IOptions<RouterOptions> options,
        ControlPlaneClient controlPlane,
        RoutingTableCache cache,
        NodeRegistry registry,
        RouterMetrics metrics,
        TimeProvider time,
        ILogger<RoutingTableSource> logger)
    {
        _options = options.Value;
        _verifier = _options.TrustedKeys.Count == 0 ? null : RoutingTableVerifier.FromPem(_options.TrustedKeys);
        _controlPlane = controlPlane;
        _cache = cache;
        _registry = registry;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _expiry = time.CreateTimer(static state => ((RoutingTableSource)state!).OnExpiry(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The first load, done once however many callers ask (the first request may come before the background refresher
    /// starts): the control plane, else the cache, else the fallback nodes. Never throws for an unreachable control
    /// plane or a bad cache; those are logged and the next source is tried.
    /// </summary>
    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // Not the caller's token: one caller giving up must not cancel the load for every other.
            _initialization ??= Task.Run(() => InitializeCoreAsync(_disposed.Token));
        }
        return _initialization.WaitAsync(cancellationToken);
    }

    /// <summary>One conditional GET; a new table replaces the one in use, a 304 renews its freshness.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        string? etag;
        lock (_lock)
        {
            etag = _etag;
        }
        var answer = await _controlPlane.FetchAsync(etag, cancellationToken);
        if (answer is null)
        {
            // Unreachable: keep routing with what is held; the expiry timer enforces the staleness bound.
            return;
        }
        if (answer.NotModified)
        {
            await ConfirmAsync(answer.ETag, cancellationToken);
        }
        else
        {
            await AcceptAsync(answer.Table!, answer.ETag, _time.GetUtcNow(), RoutingTableOrigin.ControlPlane, cancellationToken);
        }
    }

    public void Dispose()
    {
        _expiry.Dispose();
        _disposed.Cancel();
        _disposed.Dispose();
    }

    private async Task InitializeCoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_options.ControlPlaneUrls.Count > 0)
            {
                await RefreshAsync(cancellationToken);
            }
            if (_table is null && await _cache.LoadAsync(cancellationToken) is { } cached)
            {
                await AcceptAsync(cached.Table, etag: null, cached.ConfirmedAt, RoutingTableOrigin.Cache, cancellationToken);
            }
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // This task is awaited by every request: a fault here must end in the fallback nodes, not in every request failing.
            RouterLog.RefreshFailed(_logger, error);
        }
        if (_table is null)
        {
            lock (_lock)
            {
                UseFallbackLocked(_options.ControlPlaneUrls.Count == 0 ? "no control plane is configured" : "no routing table from the control plane or the cache");
            }
        }
    }

    private async Task<bool> AcceptAsync(SignedRoutingTable signed, string? etag, DateTimeOffset confirmedAt, RoutingTableOrigin origin, CancellationToken cancellationToken)
    {
        var table = _verifier?.Verify(signed);
        if (table is null)
        {
            RouterLog.TableRejected(_logger, origin.ToString(), $"signature not valid under a trusted key (key id '{signed.KeyId}', {signed.Algorithm})");
            return false;
        }

        CachedRoutingTable held;
        lock (_lock)
        {
            if (_table is not null && table.Version < _table.Version)
            {
                RouterLog.TableRejected(_logger, origin.ToString(), $"version {table.Version} is older than version {_table.Version} in use");
                return false;
            }
            var now = _time.GetUtcNow();
            // Our own clock wrote confirmedAt; one in the future is not ours to trust (the signed generated_at is).
            var freshAt = Max(confirmedAt <= now ? confirmedAt : table.GeneratedAt, table.GeneratedAt);
            if (table.Stale && origin == RoutingTableOrigin.ControlPlane)
            {
                // A control plane that lost its database vouches for nothing newer than its last table: answering
                // must not renew it, or a long database outage would never reach the staleness bound.
                freshAt = _held is { } current && _table!.Version == table.Version ? Max(current.ConfirmedAt, table.GeneratedAt) : table.GeneratedAt;
            }
            freshAt = freshAt > now ? now : freshAt;
            if (now - freshAt > _options.MaxStaleness)
            {
                RouterLog.TableRejected(_logger, origin.ToString(), $"last confirmed {freshAt:O}, more than {_options.MaxStaleness} ago");
                return false;
            }
            _table = table;
            _etag = etag;
            _held = held = new CachedRoutingTable(freshAt, signed);
            UseTableLocked(origin);
        }
        if (origin == RoutingTableOrigin.ControlPlane)
        {
            await _cache.SaveAsync(held, cancellationToken);
        }
        return true;
    }

    /// <summary>A 304: the table held is still the control plane's, as of now.</summary>
    private async Task ConfirmAsync(string? etag, CancellationToken cancellationToken)
    {
        CachedRoutingTable held;
        lock (_lock)
        {
            if (_held is null)
            {
                return;
            }
            // Still the stale table: nothing was confirmed (see AcceptAsync).
            _held = held = _table!.Stale ? _held : _held with { ConfirmedAt = _time.GetUtcNow() };
            _etag = etag ?? _etag;
            UseTableLocked(RoutingTableOrigin.ControlPlane);
        }
        // Written so a restart knows the table was vouched for recently, not only when it was first fetched.
        await _cache.SaveAsync(held, cancellationToken);
    }

    private void UseTableLocked(RoutingTableOrigin origin)
    {
        var table = _table!;
        var changed = _registry.Origin != origin || _registry.TableVersion != table.Version;
        if (changed)
        {
            _registry.Replace([.. table.Nodes.Select(NodeSpec.From)], origin, table.Version);
            _metrics.TableUpdated(Describe(origin));
            RouterLog.TableInUse(_logger, origin.ToString(), table.Version, table.Nodes.Count);
        }
        ScheduleExpiryLocked();
    }

    private void ScheduleExpiryLocked()
    {
        var remaining = _held!.ConfirmedAt + _options.MaxStaleness - _time.GetUtcNow();
        // Timers take at most ~49 days; a longer bound is reached in several hops (OnExpiry re-arms).
        _expiry.Change(remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining > MaxTimerDue ? MaxTimerDue : remaining, Timeout.InfiniteTimeSpan);
    }

    private static readonly TimeSpan MaxTimerDue = TimeSpan.FromDays(30);

    private void OnExpiry()
    {
        lock (_lock)
        {
            if (_held is null || _registry.Origin is not (RoutingTableOrigin.ControlPlane or RoutingTableOrigin.Cache))
            {
                return;
            }
            if (_time.GetUtcNow() - _held.ConfirmedAt < _options.MaxStaleness)
            {
                // A confirmation landed while the timer fired, or the bound is further than one timer reaches.
                ScheduleExpiryLocked();
                return;
            }
            UseFallbackLocked($"the routing table was last confirmed at {_held.ConfirmedAt:O}, more than {_options.MaxStaleness} ago");
        }
    }

    private void UseFallbackLocked(string reason)
    {
        if (_options.FallbackNodes.Count == 0)
        {
            _registry.Replace([], RoutingTableOrigin.None, null);
            RouterLog.NoNodes(_logger, reason);
            return;
        }
        _registry.Replace([.. _options.FallbackNodes.Select(NodeSpec.From)], RoutingTableOrigin.Fallback, null);
        _metrics.TableUpdated(Describe(RoutingTableOrigin.Fallback));
        RouterLog.FallbackInUse(_logger, _options.FallbackNodes.Count, reason);
    }

    private static DateTimeOffset Max(DateTimeOffset left, DateTimeOffset right) => left > right ? left : right;

    private static string Describe(RoutingTableOrigin origin) => origin switch
    {
        RoutingTableOrigin.ControlPlane => "control_plane",
        RoutingTableOrigin.Cache => "cache",
        RoutingTableOrigin.Fallback => "fallback",
        _ => "none",
    };
}

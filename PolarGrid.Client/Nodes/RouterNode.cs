using PolarGrid.Client.Health;
using PolarGrid.Routing;

namespace PolarGrid.Client.Nodes;

/// <summary>
/// One node as this client sees it: what the routing table says (models, region, the control plane's TTFT) refined by
/// what the client observes itself (probes, latency of its own requests, errors, requests in flight). Decisions about
/// it — ejection, readmission, selection — are taken elsewhere; this only keeps the facts, safely across threads.
/// </summary>
public sealed class RouterNode
{
    private readonly Lock _lock = new();
    private readonly LatencyEwma _latency;
    private readonly ErrorRateWindow _errors;
    private volatile NodeSpec _spec;
    private volatile ProbeResult? _lastProbe;
    private volatile IReadOnlyDictionary<string, string>? _probedModels;
    private volatile string? _ejectionReason;
    private int _probeSuccessesWhileEjected;
    private int _inFlight;

    internal RouterNode(NodeSpec spec, RouterOptions options, TimeProvider time)
    {
        _spec = spec;
        _latency = new LatencyEwma(options.EwmaDecay);
        _errors = new ErrorRateWindow(options.ErrorRateWindow, time);
        if (spec.State == RoutedNode.Down)
        {
            // The control plane's word stands until our own probes say otherwise (ReadmitAfterProbes of them).
            _ejectionReason = "routing table: down";
        }
    }

    public string Colo => _spec.Colo;

    public string Region => _spec.Region;

    public Uri Url => _spec.Url;

    /// <summary>Out of routing: a probe failed or the error rate crossed the threshold. Readmitted after enough good probes.</summary>
    public bool IsEjected => _ejectionReason is not null;

    public string? EjectionReason => _ejectionReason;

    public ProbeResult? LastProbe => _lastProbe;

    /// <summary>Attempts sent to this node whose response has not ended yet (streams count until their last byte).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The moving average of this client's own time to first byte on the node; null before its first answer.</summary>
    public TimeSpan? MeasuredLatency => _latency.Value;

    /// <summary>
    /// What a request is expected to wait for its first byte: the measured average once there is one, before that the
    /// probe's round trip plus the control plane's median TTFT. Never zero, so requests in flight always weigh.
    /// </summary>
    public TimeSpan ExpectedLatency
    {
        get
        {
            var expected = MeasuredLatency
                ?? (_lastProbe?.RoundTrip ?? TimeSpan.Zero) + (_spec.ReportedTimeToFirstToken ?? TimeSpan.Zero);
            return expected < MinimumLatency ? MinimumLatency : expected;
        }
    }

    /// <summary>Failures over requests in the error-rate window (0 when there were none).</summary>
    public double ErrorRate
    {
        get
        {
            var (requests, failures) = _errors.Totals();
            return requests == 0 ? 0 : (double)failures / requests;
        }
    }

    private static readonly TimeSpan MinimumLatency = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Whether the node can serve <paramref name="model"/> now. The node's own <c>/health</c> is the fresher word
    /// (a model loaded or failed since the table was built); the table answers until a probe has listed models; a
    /// node neither describes (a fallback node without models) is given the benefit of the doubt.
    /// </summary>
    public bool Serves(string? model)
    {
        if (model is null)
        {
            return true;
        }
        if (_probedModels is { } probed)
        {
            return probed.TryGetValue(model, out var state) && state == ModelStates.Ready;
        }
        if (_spec.Models is not { } listed)
        {
            return true;
        }
        // Indexed, not foreach: this runs for every node on every request, and an interface enumerator is an allocation.
        for (var i = 0; i < listed.Count; i++)
        {
            if (listed[i].Id == model)
            {
                return listed[i].State == ModelStates.Ready;
            }
        }
        return false;
    }

    public override string ToString() => $"{Colo} ({Url})";

    internal void UpdateSpec(NodeSpec spec) => _spec = spec;

    internal void BeginRequest() => Interlocked.Increment(ref _inFlight);

    internal void EndRequest() => Interlocked.Decrement(ref _inFlight);

    internal void RecordLatency(TimeSpan timeToFirstByte) => _latency.Record(timeToFirstByte);

    /// <summary>Adds an outcome to the error window and returns the window's totals.</summary>
    internal (int Requests, int Failures) RecordOutcome(bool failed)
    {
        _errors.Record(failed);
        return _errors.Totals();
    }

    internal void RecordProbe(ProbeResult result)
    {
        _lastProbe = result;
        if (result.ModelStates is not null)
        {
            _probedModels = result.ModelStates;
        }
    }

    /// <summary>Takes the node out of routing; false when it already was out.</summary>
    internal bool Eject(string reason)
    {
        lock (_lock)
        {
            _probeSuccessesWhileEjected = 0;
            if (_ejectionReason is not null)
            {
                return false;
            }
            _ejectionReason = reason;
            return true;
        }
    }

    /// <summary>Counts a good probe; readmits the node (with a clean error window) at the <paramref name="needed"/>th in a row.</summary>
    internal bool ProbeSucceeded(int needed)
    {
        lock (_lock)
        {
            if (_ejectionReason is null || ++_probeSuccessesWhileEjected < needed)
            {
                return false;
            }
            _probeSuccessesWhileEjected = 0;
            // The failures that ejected it would otherwise eject it again at its first request back.
            _errors.Reset();
            _ejectionReason = null;
            return true;
        }
    }
}

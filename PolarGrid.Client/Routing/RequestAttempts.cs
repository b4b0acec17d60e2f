using PolarGrid.Client.Nodes;

namespace PolarGrid.Client.Routing;

/// <summary>Why an attempt was sent.</summary>
internal enum AttemptReason
{
    Primary,

    /// <summary>An earlier attempt failed before its first byte.</summary>
    Retry,

    /// <summary>An earlier attempt missed the model's time-to-first-token deadline and is still running.</summary>
    Hedge,
}

/// <summary>
/// The attempts of one request, shared by all of them (they may run at once): which nodes were tried, so none is tried
/// twice, and how many failed, which tells a retry from a hedge when the next attempt is launched.
/// </summary>
internal sealed class RequestAttempts(RoutedRequest request)
{
    private readonly Lock _lock = new();
    private readonly List<RouterNode> _tried = [];
    private int _failures;
    private int _retries;

    public RoutedRequest Request { get; } = request;

    public IReadOnlyCollection<RouterNode> Tried
    {
        get
        {
            lock (_lock)
            {
                return [.. _tried];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _tried.Count;
            }
        }
    }

    /// <summary>Records the node of the next attempt and says why it is sent.</summary>
    public AttemptReason Add(RouterNode node)
    {
        lock (_lock)
        {
            _tried.Add(node);
            if (_tried.Count == 1)
            {
                return AttemptReason.Primary;
            }
            // Polly launches the next attempt either at once after a failure or when the deadline passes: a failure
            // not yet answered by a retry means this is that retry.
            if (_failures > _retries)
            {
                _retries++;
                return AttemptReason.Retry;
            }
            return AttemptReason.Hedge;
        }
    }

    public void Failed()
    {
        lock (_lock)
        {
            _failures++;
        }
    }
}

namespace PolarGrid.Sidecar.Queue;

/// <summary>
/// A wake-up call that coalesces: any number of <see cref="Set"/> calls while the worker is busy wake it once.
/// </summary>
public sealed class WakeSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Set()
    {
        try
        {
            _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already set: the worker will look anyway.
        }
    }

    /// <summary>Waits until <see cref="Set"/> is called or <paramref name="interval"/> passes, whichever is first.</summary>
    public async Task WaitAsync(TimeSpan interval, TimeProvider time, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var woken = _semaphore.WaitAsync(stop.Token);
        var elapsed = Task.Delay(interval, time, stop.Token);
        await Task.WhenAny(woken, elapsed);
        await stop.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }
}

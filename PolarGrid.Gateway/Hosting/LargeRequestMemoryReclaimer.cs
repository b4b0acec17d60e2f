using System.Runtime;
using PolarGrid.Gateway.Models;

namespace PolarGrid.Gateway.Hosting;

/// <summary>
/// Gives back to the operating system what large requests left behind. A body near the size limit leaves megabytes of
/// large-object garbage, pooled buffers and freed native tokenizer memory; with no further allocations no GC comes to
/// collect them, and the gateway's VM would carry them for the rest of its life. Once such requests have passed and
/// the gateway is idle, one compacting collection and a native heap trim hand the memory back.
/// </summary>
public sealed class LargeRequestMemoryReclaimer(TimeProvider time, ILogger<LargeRequestMemoryReclaimer> logger) : BackgroundService
{
    /// <summary>A request body at least this large marks the memory as worth reclaiming.</summary>
    public const long LargeBodyBytes = 128 * 1024;

    /// <summary>How long the gateway must have been free of large requests, and idle, before reclaiming.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _signal = new(0, 1);
    private long _lastLargeTicks;
    private int _active;

    public void RequestStarted() => Interlocked.Increment(ref _active);

    public void RequestEnded(long bodyBytes)
    {
        Interlocked.Decrement(ref _active);
        if (bodyBytes < LargeBodyBytes)
        {
            return;
        }
        Interlocked.Exchange(ref _lastLargeTicks, time.GetTimestamp());
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled by another request.
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _signal.WaitAsync(stoppingToken);
                // Wait out the burst: no large request for a while, and nothing in flight that a pause would delay.
                while (time.GetElapsedTime(Interlocked.Read(ref _lastLargeTicks)) < Quiet || Volatile.Read(ref _active) > 0)
                {
                    await Task.Delay(Quiet, time, stoppingToken);
                }
                Reclaim();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Reclaim()
    {
        var before = Environment.WorkingSet;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeHeap.Trim();
        logger.LogInformation("Reclaimed memory after large requests: working set {Before} MB -> {After} MB",
            before / 1048576, Environment.WorkingSet / 1048576);
    }
}

/// <summary>Tells the <see cref="LargeRequestMemoryReclaimer"/> which requests were large.</summary>
public sealed class LargeRequestMemoryMiddleware(RequestDelegate next, LargeRequestMemoryReclaimer reclaimer)
{
    public async Task InvokeAsync(HttpContext context)
    {
        reclaimer.RequestStarted();
        try
        {
            await next(context);
        }
        finally
        {
            // A chunked body has no Content-Length: what was read of it is what the gateway held.
            reclaimer.RequestEnded(context.Request.ContentLength ?? context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>() switch
            {
                { CanHaveBody: true } => LargeRequestMemoryReclaimer.LargeBodyBytes,
                _ => 0,
            });
        }
    }
}

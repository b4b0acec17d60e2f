using System.Diagnostics;

namespace PolarGrid.Tests.Client;

/// <summary>Bounded polling for what happens on other threads (probes, timers, servers): never a fixed sleep.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, Action? step = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > limit)
            {
                Assert.Fail($"Timed out after {limit} waiting for {what}.");
            }
            step?.Invoke();
            await Task.Delay(20);
        }
    }
}

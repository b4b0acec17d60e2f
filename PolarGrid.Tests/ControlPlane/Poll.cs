namespace PolarGrid.Tests.ControlPlane;

/// <summary>Bounded polling on real state: the tests never sleep for a fixed time and hope.</summary>
public static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    /// <summary>Reads <paramref name="read"/> until <paramref name="accept"/> holds, and returns that value.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> accept, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        T last;
        while (true)
        {
            last = await read();
            if (accept(last))
            {
                return last;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}; last value: {last}");
            }
            await Task.Delay(Pause);
        }
    }

    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(condition, done => done, what, timeout);
}

/// <summary>Routing-table content compared as its JSON: the records hold lists, which compare by reference.</summary>
public static class Content
{
    public static string Of(IReadOnlyList<PolarGrid.Routing.RoutedNode> nodes) =>
        System.Text.Json.JsonSerializer.Serialize(new PolarGrid.Routing.RoutingTable(0, DateTimeOffset.UnixEpoch, false, nodes),
            PolarGrid.Routing.RoutingJsonContext.Default.RoutingTable);
}

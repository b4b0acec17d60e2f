using PolarGrid.Client.RoutingTables;

namespace PolarGrid.Client.Routing;

/// <summary>
/// The router on an <see cref="HttpClient"/>'s path: reads the request's model, picks a node, sends the request there
/// (the path and query kept, the scheme and host replaced) and, before the first byte only, moves it to another node.
/// Add it to a client with <c>AddPolarGridRouting()</c>; the address the caller uses is a placeholder.
/// </summary>
internal sealed class NodeRoutingHandler(RoutingTableSource tableSource, AttemptPipeline attempts) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var routed = await RoutedRequest.ReadAsync(request, cancellationToken);
        // A request may come before the background refresher has loaded a table; it waits for that first load only.
        await tableSource.InitializeAsync(cancellationToken);
        return await attempts.SendAsync(routed, (message, token) => base.SendAsync(message, token), cancellationToken);
    }

    /// <summary>
    /// Synchronous callers (the OpenAI SDK's non-async methods) block on the asynchronous path: hedging and retries are
    /// asynchronous by nature, and a caller that chose to block already gave up that thread.
    /// </summary>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();
}

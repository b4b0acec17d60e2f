using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PolarGrid.Routing;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Client;

/// <summary>
/// The control plane's <c>GET /v1/routing-table</c> on loopback: tables signed with <see cref="RoutingTableSigner"/>,
/// an ETag per version and 304 for a matching <c>If-None-Match</c>. Stopping it makes connections refused.
/// </summary>
public sealed class FakeControlPlane : IAsyncDisposable
{
    public const string KeyId = "test-key";

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private WebApplication? _app;
    private volatile Published? _published;
    private int _requests;
    private int _conditionalRequests;
    private int _notModified;

    private FakeControlPlane()
    {
        Signer = new RoutingTableSigner(KeyId, _key);
        Url = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
    }

    public Uri Url { get; }

    public RoutingTableSigner Signer { get; }

    /// <summary>The public half of the signing key, as clients are configured with it.</summary>
    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    public int Requests => Volatile.Read(ref _requests);

    public int ConditionalRequests => Volatile.Read(ref _conditionalRequests);

    public int NotModified => Volatile.Read(ref _notModified);

    public static async Task<FakeControlPlane> StartAsync()
    {
        var controlPlane = new FakeControlPlane();
        await controlPlane.ListenAsync();
        return controlPlane;
    }

    /// <summary>A table of <paramref name="nodes"/> with the models each lists now.</summary>
    public static RoutingTable TableOf(long version, DateTimeOffset generatedAt, params FakeNode[] nodes) =>
        new(version, generatedAt, Stale: false, [.. nodes.Select(node => new RoutedNode(
            node.Colo,
            "test",
            node.Url,
            null,
            null,
            RoutedNode.Healthy,
            generatedAt,
            [.. node.ModelStates.Select(model => new RoutedModel(model.Key, "llm", model.Value))],
            new NodeMetrics(null, null, null)))]);

    /// <summary>Serves <paramref name="table"/> from now on, signed by this control plane's key or by <paramref name="signer"/>.</summary>
    public void Publish(RoutingTable table, RoutingTableSigner? signer = null) =>
        // As the real one: a stale table (database unreachable) has its own weak tag, so clients see the change once.
        _published = new Published((signer ?? Signer).Sign(table), table.Stale ? $"W/\"v{table.Version}-stale\"" : $"\"v{table.Version}\"");

    private async Task ListenAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Url.GetLeftPart(UriPartial.Authority));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/v1/routing-table", ServeAsync);
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _key.Dispose();
    }

    private async Task ServeAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (_published is not { } published)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0)
        {
            Interlocked.Increment(ref _conditionalRequests);
        }
        context.Response.Headers.ETag = published.ETag;
        if (ifNoneMatch == published.ETag)
        {
            Interlocked.Increment(ref _notModified);
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        await context.Response.WriteAsJsonAsync(published.Table, RoutingJsonContext.Default.SignedRoutingTable);
    }

    private sealed record Published(SignedRoutingTable Table, string ETag);
}

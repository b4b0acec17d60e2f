using System.Net.Http.Headers;

namespace PolarGrid.Client.Routing;

/// <summary>
/// The caller's request, read once: its body buffered so that each attempt (a retry or a hedge, possibly at the same
/// time as another) sends its own copy to its own node.
/// </summary>
internal sealed class RoutedRequest
{
    private readonly HttpRequestMessage _original;
    private readonly byte[]? _body;

    private RoutedRequest(HttpRequestMessage original, byte[]? body)
    {
        _original = original;
        _body = body;
        Model = IsJson(original.Content?.Headers.ContentType) && body is not null ? RequestModelReader.Read(body) : null;
    }

    /// <summary>The <c>model</c> the body names; null for requests without one (<c>GET /v1/models</c>).</summary>
    public string? Model { get; }

    public static async Task<RoutedRequest> ReadAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        return new RoutedRequest(request, body);
    }

    /// <summary>A fresh message for one attempt, addressed to <paramref name="node"/>.</summary>
    public HttpRequestMessage CreateFor(Uri node)
    {
        var message = new HttpRequestMessage(_original.Method, NodeUris.Rebase(node, _original.RequestUri!))
        {
            Version = _original.Version,
            VersionPolicy = _original.VersionPolicy,
        };
        foreach (var (name, values) in _original.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, values);
        }
        // The caller's Host named the placeholder address; the node's own comes from the new URI.
        message.Headers.Host = null;
        if (_body is not null)
        {
            message.Content = new ByteArrayContent(_body);
            foreach (var (name, values) in _original.Content!.Headers)
            {
                message.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }
        foreach (var (key, value) in _original.Options)
        {
            ((IDictionary<string, object?>)message.Options)[key] = value;
        }
        return message;
    }

    private static bool IsJson(MediaTypeHeaderValue? contentType) =>
        contentType?.MediaType is not { } mediaType || mediaType.Contains("json", StringComparison.OrdinalIgnoreCase);
}

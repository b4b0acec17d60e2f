using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Gateway.Hosting;

/// <summary>
/// Gives Kestrel's own rejections an OpenAI error body. A request Kestrel cannot parse (a bad request line or header,
/// a URL or headers over the limits, an HTTP version it does not speak) is answered by Kestrel itself, before any
/// middleware, with an empty body, and ASP.NET Core offers no hook for it. This connection middleware sits between
/// Kestrel and the connection (inside TLS) and rewrites exactly that shape of response as it is written: an HTTP/1.x
/// status line with one of these statuses and <c>Content-Length: 0</c>, the whole response in one write. The
/// application never answers those statuses without a body, and HTTP/2 frames never start with a status line.
/// </summary>
public static class KestrelRejectionBodies
{
    private static readonly byte[] StatusLinePrefix = "HTTP/1."u8.ToArray();
    private static readonly byte[] EmptyBodyHeader = "\r\nContent-Length: 0\r\n"u8.ToArray();
    private static readonly byte[] HeadersEnd = "\r\n\r\n"u8.ToArray();

    private static readonly Dictionary<int, (string Message, string Code)> Rejections = new()
    {
        [400] = ("The request could not be parsed: its request line or headers are malformed.", "bad_request"),
        [408] = ("The request did not arrive in time.", "request_timeout"),
        [413] = ("The request body is larger than this server accepts.", "request_too_large"),
        [414] = ("The request URL is longer than this server accepts.", "url_too_long"),
        [431] = ("The request headers are larger than this server accepts.", "headers_too_large"),
        [505] = ("The HTTP version of the request is not supported; use HTTP/1.1 or HTTP/2.", "http_version_not_supported"),
    };

    public static IConnectionBuilder UseKestrelRejectionBodies(this IConnectionBuilder connections) =>
        connections.Use(next => connection =>
        {
            connection.Transport = new Duplex(connection.Transport.Input, new RewritingWriter(connection.Transport.Output));
            return next(connection);
        });

    /// <summary>The response to write instead of <paramref name="written"/>, when it is one of Kestrel's rejections.</summary>
    public static byte[]? Rewrite(ReadOnlySpan<byte> written)
    {
        if (!written.StartsWith(StatusLinePrefix) || written.Length < 12 || !written.EndsWith(HeadersEnd))
        {
            return null;
        }
        // "HTTP/1.1 431 ..."
        if (!int.TryParse(Encoding.ASCII.GetString(written.Slice(9, 3)), out var status) || !Rejections.TryGetValue(status, out var rejection))
        {
            return null;
        }
        var emptyBody = written.IndexOf(EmptyBodyHeader);
        if (emptyBody < 0)
        {
            return null;
        }

        var body = Body(status, rejection.Message, rejection.Code);
        var head = written[..(emptyBody + 2)]; // Up to and with the CRLF before Content-Length.
        var rest = written[(emptyBody + EmptyBodyHeader.Length)..]; // The headers after it and the final CRLF CRLF.
        var extra = Encoding.ASCII.GetBytes($"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n");
        var response = new byte[head.Length + extra.Length + rest.Length + body.Length];
        head.CopyTo(response);
        extra.CopyTo(response.AsSpan(head.Length));
        rest.CopyTo(response.AsSpan(head.Length + extra.Length));
        body.CopyTo(response.AsSpan(head.Length + extra.Length + rest.Length));
        return response;
    }

    private static byte[] Body(int status, string message, string code) =>
        JsonSerializer.SerializeToUtf8Bytes(
            OpenAIErrorWriter.Body(new OpenAIException(status, message, status >= 500 ? "server_error" : "invalid_request_error", null, code)),
            OpenAIJsonContext.Default.ErrorResponse);

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    /// <summary>Passes every write through, except a rejection written whole, which it replaces.</summary>
    private sealed class RewritingWriter(PipeWriter inner) : PipeWriter
    {
        private Memory<byte> _buffer;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer = inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => (_buffer = inner.GetMemory(sizeHint)).Span;

        public override void Advance(int bytes)
        {
            var replacement = bytes > 0 && bytes <= _buffer.Length ? Rewrite(_buffer.Span[..bytes]) : null;
            if (replacement is null)
            {
                inner.Advance(bytes);
                return;
            }
            // Not advanced, the rejection's bytes are overwritten by the new response at the same position.
            inner.Write(replacement);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;
    }
}

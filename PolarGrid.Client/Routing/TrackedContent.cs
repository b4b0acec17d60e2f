using System.Net;

namespace PolarGrid.Client.Routing;

/// <summary>
/// Wraps a node's response body to learn when the request really ends — a stream's last byte, not its headers — so
/// requests in flight count for as long as they hold the node, and a stream the node breaks counts as its failure.
/// Calls <c>completed(failed)</c> exactly once: at the end of the body, on a read error, or when let go.
/// </summary>
internal sealed class TrackedContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly Action<bool> _completed;
    private int _done;

    public TrackedContent(HttpContent inner, Action<bool> completed)
    {
        _inner = inner;
        _completed = completed;
        foreach (var (name, values) in inner.Headers)
        {
            Headers.TryAddWithoutValidation(name, values);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        try
        {
            await _inner.CopyToAsync(stream, cancellationToken);
            Complete(failed: false);
        }
        catch (Exception error) when (IsNodeFault(error))
        {
            Complete(failed: true);
            throw;
        }
    }

    /// <summary>The synchronous path, for callers that block (the OpenAI SDK's non-async methods).</summary>
    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        try
        {
            _inner.CopyTo(stream, context, cancellationToken);
            Complete(failed: false);
        }
        catch (Exception error) when (IsNodeFault(error))
        {
            Complete(failed: true);
            throw;
        }
    }

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) =>
        new TrackedStream(_inner.ReadAsStream(cancellationToken), this);

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        new TrackedStream(await _inner.ReadAsStreamAsync(cancellationToken), this);

    protected override bool TryComputeLength(out long length)
    {
        length = _inner.Headers.ContentLength ?? 0;
        return _inner.Headers.ContentLength is not null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Let go before the end: the caller chose to stop, which says nothing bad about the node.
            Complete(failed: false);
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private void Complete(bool failed)
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _completed(failed);
        }
    }

    /// <summary>The node broke the body off; a cancellation or disposal on our side is not its fault.</summary>
    private static bool IsNodeFault(Exception error) => error is IOException or HttpRequestException;

    private sealed class TrackedStream(Stream inner, TrackedContent owner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return Observe(inner.Read(buffer), buffer.Length);
            }
            catch (Exception error) when (IsNodeFault(error))
            {
                owner.Complete(failed: true);
                throw;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return Observe(await inner.ReadAsync(buffer, cancellationToken), buffer.Length);
            }
            catch (Exception error) when (IsNodeFault(error))
            {
                owner.Complete(failed: true);
                throw;
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                owner.Complete(failed: false);
                inner.Dispose();
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            owner.Complete(failed: false);
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }

        private int Observe(int read, int requested)
        {
            if (read == 0 && requested > 0)
            {
                owner.Complete(failed: false);
            }
            return read;
        }
    }
}

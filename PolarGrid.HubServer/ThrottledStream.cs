namespace PolarGrid.HubServer;

/// <summary>
/// A seekable read stream that hands out at most <c>bytesPerSecond</c>: a slow link, so that tests can act in the
/// middle of a download (kill the downloader, watch its progress).
/// </summary>
public sealed class ThrottledStream(Stream inner, long bytesPerSecond) : Stream
{
    private const int Slices = 20;

    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Small slices at a steady pace rather than one burst per second.
        var slice = (int)Math.Max(1, Math.Min(buffer.Length, bytesPerSecond / Slices));
        var read = await inner.ReadAsync(buffer[..slice], cancellationToken);
        if (read > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds((double)read / bytesPerSecond), cancellationToken);
        }
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}

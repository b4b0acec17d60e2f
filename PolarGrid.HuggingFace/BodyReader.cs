using System.Runtime.CompilerServices;

namespace PolarGrid.HuggingFace;

/// <summary>
/// Reads a response body with a timeout per read rather than per body (a big file may take an hour, a stalled one
/// must not), turning a broken or stalled connection into a <see cref="HubTransientException"/> to resume after.
/// </summary>
internal sealed class BodyReader(Stream body, string host, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) : IDisposable
{
    private readonly CancellationTokenSource _idle = new(Timeout.InfiniteTimeSpan, time);
    private CancellationTokenSource? _linked;

    // A failure after some bytes of a chunk arrived is reported on the next call, so those bytes are still kept.
    private HubTransientException? _pending;

    /// <summary>Reads until <paramref name="minimum"/> bytes are in <paramref name="buffer"/> or the body ends; 0 only at the end.</summary>
    /// <param name="position">Bytes of the file received before this call, for messages.</param>
    // Once per chunk: a pooled state machine keeps a long download from allocating on every await.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> FillAsync(byte[] buffer, int minimum, long position, long size)
    {
        if (_pending is { } pending)
        {
            throw pending;
        }

        _linked ??= CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _idle.Token);
        var filled = 0;
        while (filled < minimum)
        {
            int read;
            _idle.CancelAfter(timeout);
            try
            {
                read = await body.ReadAsync(buffer.AsMemory(filled), _linked.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                _pending = new HubTransientException($"no data from {host} for {timeout.TotalSeconds:0.#} s after {position + filled} of {size} bytes");
                return filled > 0 ? filled : throw _pending;
            }
            catch (Exception error) when (error is IOException or HttpRequestException)
            {
                _pending = new HubTransientException($"the connection to {host} broke after {position + filled} of {size} bytes: {error.Message}",
                    innerException: error);
                return filled > 0 ? filled : throw _pending;
            }

            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    public void Dispose()
    {
        _linked?.Dispose();
        _idle.Dispose();
    }
}

using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace PolarGrid.HuggingFace;

/// <summary>
/// Writes received chunks on a second task while the next ones are read from the network (each chunk is hashed as it
/// is handed over, by the receiving thread), so disk writes overlap with receiving and hashing. Memory stays constant:
/// a few fixed buffers circulate between the two sides.
/// </summary>
internal sealed class OverlappedAppender
{
    private const int BufferCount = 4;

    private readonly Channel<byte[]> _free = Channel.CreateBounded<byte[]>(BufferCount);
    private readonly Channel<(byte[] Buffer, int Count)> _filled =
        Channel.CreateBounded<(byte[] Buffer, int Count)>(new BoundedChannelOptions(BufferCount) { SingleReader = true, SingleWriter = true });

    // Cancelled when the writing side fails (disk full), so a reader waiting for a free buffer wakes up.
    private readonly CancellationTokenSource _stopped;
    private readonly byte[][] _buffers;
    private readonly PartialFile _partial;
    private readonly Task _consumer;

    public OverlappedAppender(PartialFile partial, IProgress<long>? progress, int bufferSize, CancellationToken cancellationToken)
    {
        BufferSize = bufferSize;
        _partial = partial;
        _buffers = [.. Enumerable.Range(0, BufferCount).Select(_ => ArrayPool<byte>.Shared.Rent(bufferSize))];
        foreach (var buffer in _buffers)
        {
            _free.Writer.TryWrite(buffer);
        }

        _stopped = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _consumer = Task.Run(() => ConsumeAsync(progress, _stopped.Token), CancellationToken.None);
    }

    public int BufferSize { get; }

    /// <summary>Bytes handed over so far; the partial file reaches this once <see cref="CompleteAsync"/> returns.</summary>
    public long Submitted { get; private set; }

    /// <summary>A buffer to read into; waits while all of them are queued for writing.</summary>
    // Once per chunk: a pooled state machine keeps a long download from allocating on every await.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<byte[]> RentAsync()
    {
        try
        {
            return await _free.Reader.ReadAsync(_stopped.Token);
        }
        catch (OperationCanceledException)
        {
            await ConsumerOutcomeAsync();
            throw;
        }
    }

    public void Return(byte[] buffer) => _free.Writer.TryWrite(buffer);

    // Once per chunk: a pooled state machine keeps a long download from allocating on every await.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SubmitAsync(byte[] buffer, int count)
    {
        // Hashed here, on the thread that just received the bytes and still has them in its cache; read again on
        // another core, sha256 ran ~25 % slower.
        _partial.Hash(buffer.AsSpan(0, count));
        Submitted += count;
        try
        {
            await _filled.Writer.WriteAsync((buffer, count), _stopped.Token);
        }
        catch (OperationCanceledException)
        {
            await ConsumerOutcomeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits until everything submitted is hashed and written (a failed transfer keeps what it received, for the next
    /// attempt to resume from), then gives the buffers back. Always call it, also when reading failed.
    /// </summary>
    public async Task CompleteAsync()
    {
        _filled.Writer.TryComplete();
        try
        {
            await _consumer;
        }
        finally
        {
            _stopped.Dispose();
            foreach (var buffer in _buffers)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    // A stop caused by the writing side reports its error (an IOException from the disk), not the cancellation it caused.
    private async Task ConsumerOutcomeAsync()
    {
        if (!_consumer.IsCompleted)
        {
            await Task.WhenAny(_consumer);
        }

        if (_consumer.Exception?.InnerException is { } error and not OperationCanceledException)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    private async Task ConsumeAsync(IProgress<long>? progress, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (buffer, count) in _filled.Reader.ReadAllAsync(cancellationToken))
            {
                await _partial.WriteHashedAsync(buffer.AsMemory(0, count), cancellationToken);
                progress?.Report(_partial.Length);
                _free.Writer.TryWrite(buffer);
            }
        }
        catch
        {
            await _stopped.CancelAsync();
            throw;
        }
    }
}

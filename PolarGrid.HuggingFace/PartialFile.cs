using System.Runtime.CompilerServices;

namespace PolarGrid.HuggingFace;

/// <summary>
/// <c>&lt;destination&gt;.incomplete</c>: the bytes received so far, hashed as they are appended, moved to the
/// destination only once verified. Left on disk when a download is cancelled or gives up, so the next try resumes it.
/// </summary>
internal sealed class PartialFile : IAsyncDisposable
{
    public const string Suffix = ".incomplete";

    private readonly FileStream _stream;

    private PartialFile(string path, FileStream stream, ContentHasher hasher)
    {
        Path = path;
        _stream = stream;
        Hasher = hasher;
    }

    public string Path { get; }

    public ContentHasher Hasher { get; }

    /// <summary>Bytes on disk, including those found there from an earlier process.</summary>
    public long Length { get; private set; }

    /// <summary>Bytes appended by this process, for the rate in the log line.</summary>
    public long Received { get; private set; }

    /// <summary>
    /// Opens (or creates) the partial file exclusively, so two downloads of one file cannot interleave, and hashes
    /// what an earlier attempt left in it. A leftover longer than the file can be is dropped.
    /// </summary>
    public static async Task<PartialFile> OpenAsync(string path, HubFile file, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            // Unbuffered: the download loop already writes large blocks.
            BufferSize = 0,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
        var partial = new PartialFile(path, stream, ContentHasher.For(file));
        try
        {
            if (stream.Length > file.Size)
            {
                partial.Restart();
            }
            else
            {
                await partial.HashExistingAsync(cancellationToken);
            }

            return partial;
        }
        catch
        {
            await partial.DisposeAsync();
            throw;
        }
    }

    /// <summary>Feeds the hash with bytes about to be written by <see cref="WriteHashedAsync"/>, in the same order.</summary>
    public void Hash(ReadOnlySpan<byte> data) => Hasher.Append(data);

    /// <summary>
    /// Appends bytes already given to <see cref="Hash"/>. A failed write ends the download, and the next one re-hashes
    /// what is on disk, so the hash never has to be unwound.
    /// </summary>
    // Once per chunk: a pooled state machine keeps a long download from allocating on every await.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteHashedAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(data, cancellationToken);
        Length += data.Length;
        Received += data.Length;
    }

    public void Restart()
    {
        _stream.SetLength(0);
        _stream.Position = 0;
        Hasher.Reset();
        Length = 0;
    }

    /// <summary>Makes the bytes durable, then renames: the destination name only ever holds a whole, verified file.</summary>
    public async Task MoveToAsync(string destination)
    {
        _stream.Flush(flushToDisk: true);
        await _stream.DisposeAsync();
        File.Move(Path, destination, overwrite: true);
    }

    public async Task DeleteAsync()
    {
        await _stream.DisposeAsync();
        File.Delete(Path);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        Hasher.Dispose();
    }

    private async Task HashExistingAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 20];
        _stream.Position = 0;
        int read;
        while ((read = await _stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            Hasher.Append(buffer.AsSpan(0, read));
            Length += read;
        }
    }
}

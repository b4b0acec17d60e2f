using Microsoft.Net.Http.Headers;

namespace PolarGrid.HubServer;

/// <summary>Sends a repo file's bytes with range support, applying the corruption fault where configured.</summary>
public static class FileContent
{
    private const string ContentType = "application/octet-stream";

    public static IResult Send(RepoFile file, string etag, bool corrupt, long? bytesPerSecond = null)
    {
        var entityTag = new EntityTagHeaderValue($"\"{etag}\"");
        if (!corrupt && bytesPerSecond is null)
        {
            return Results.File(file.PhysicalPath, ContentType, lastModified: file.LastModified, entityTag: entityTag, enableRangeProcessing: true);
        }

        Stream stream = new FileStream(file.PhysicalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
        stream = corrupt ? new CorruptingStream(stream) : stream;
        stream = bytesPerSecond is { } rate ? new ThrottledStream(stream, rate) : stream;
        return Results.File(stream, ContentType, lastModified: file.LastModified, entityTag: entityTag, enableRangeProcessing: true);
    }

    /// <summary>Announces the full length, sends only <paramref name="bytes"/> and drops the connection: a mid-download network failure.</summary>
    public static async Task SendTruncatedAsync(HttpContext context, RepoFile file, string etag, long bytes, bool corrupt)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.ContentLength = file.Size;
        response.Headers.ETag = $"\"{etag}\"";
        response.Headers.AcceptRanges = "bytes";

        Stream source = new FileStream(file.PhysicalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
        await using (source = corrupt ? new CorruptingStream(source) : source)
        {
            var buffer = new byte[81920];
            var remaining = Math.Min(bytes, file.Size);
            while (remaining > 0)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), context.RequestAborted);
                if (read == 0)
                {
                    break;
                }

                await response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                remaining -= read;
            }
        }

        await response.Body.FlushAsync(context.RequestAborted);
        context.Abort();
    }
}

using System.Net;
using Microsoft.Extensions.Logging;

namespace PolarGrid.HuggingFace;

/// <summary>
/// Downloads one file to <c>&lt;destination&gt;.incomplete</c> in constant memory, resuming with <c>Range</c> after a
/// failure (or from what an earlier process left), verifying size and hash as bytes arrive, and moving it into place
/// only once verified.
/// </summary>
internal sealed class HubDownloader(HubHttp http, HubUrls urls, HubRetry retry, HubClientOptions options, TimeProvider time, ILogger logger)
{
    // Chunks are filled whole before they are handed over, so the hand-over between tasks (and the thread pool's
    // spinning around it) is paid once per 256 KiB; with the appender's four buffers a download holds 1 MiB.
    private const int BufferSize = 256 * 1024;
    private const int MinChunk = BufferSize;

    public async Task DownloadAsync(string repoId, string commit, HubFile file, string destinationPath, IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        var target = new HubTarget(HubTargetKind.File, repoId, commit, file.Path);
        var destination = Path.GetFullPath(destinationPath);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var started = time.GetTimestamp();

        await using var partial = await PartialFile.OpenAsync(destination + PartialFile.Suffix, file, cancellationToken);
        var leftover = partial.Length;
        if (leftover > 0)
        {
            HubLog.Resuming(logger, repoId, file.Path, leftover, file.Size);
            progress?.Report(leftover);
        }

        try
        {
            var url = urls.Resolve(repoId, commit, file.Path);
            while (true)
            {
                if (partial.Length < file.Size)
                {
                    // Each attempt starts from the resolve URL: the CDN link it redirects to is signed and expires.
                    await retry.RunAsync(target, token => TransferAsync(partial, url, target, file, progress, token), cancellationToken);
                }

                var actual = partial.Hasher.Finish();
                if (string.Equals(actual, partial.Hasher.Expected, StringComparison.OrdinalIgnoreCase))
                {
                    break;
                }

                // A leftover from another process may hold anything (a different revision, a disk error); it gets one
                // clean retry before the Hub's bytes are blamed.
                if (leftover > 0)
                {
                    HubLog.DiscardingLeftover(logger, repoId, file.Path);
                    leftover = 0;
                    partial.Restart();
                    continue;
                }

                throw Mismatch(target, file, $"{partial.Hasher.Algorithm} is {actual}, expected {partial.Hasher.Expected}");
            }

            await partial.MoveToAsync(destination);
        }
        catch (HubException error) when (error.Kind == HubErrorKind.IntegrityMismatch)
        {
            HubLog.IntegrityMismatch(logger, repoId, file.Path, error.Message);
            await partial.DeleteAsync();
            throw;
        }
        catch when (partial.Length == 0)
        {
            // Nothing worth resuming (refused, not found, cancelled early): leave no empty file behind.
            await partial.DeleteAsync();
            throw;
        }

        var elapsed = time.GetElapsedTime(started);
        var rate = partial.Received / 1e6 / Math.Max(elapsed.TotalSeconds, 1e-6);
        HubLog.Downloaded(logger, repoId, file.Path, file.Size, (long)elapsed.TotalMilliseconds, partial.Received, Math.Round(rate, 1));
    }

    /// <summary>One attempt: GET from where the partial file ends, append until the body ends or fails.</summary>
    private async Task TransferAsync(PartialFile partial, Uri url, HubTarget target, HubFile file, IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, target, partial.Length, cancellationToken);
        var host = response.RequestMessage?.RequestUri?.Host ?? url.Host;
        StartBody(response, partial, target, file);

        var offset = partial.Length;
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var reader = new BodyReader(body, host, options.RequestTimeout, time, cancellationToken);
        var appender = new OverlappedAppender(partial, progress, BufferSize, cancellationToken);
        try
        {
            while (true)
            {
                var buffer = await appender.RentAsync();
                var read = await reader.FillAsync(buffer, MinChunk, offset + appender.Submitted, file.Size);
                if (read == 0)
                {
                    appender.Return(buffer);
                    break;
                }

                if (offset + appender.Submitted + read > file.Size)
                {
                    appender.Return(buffer);
                    throw Mismatch(target, file, $"the server sent more than the {file.Size} bytes the tree lists");
                }

                await appender.SubmitAsync(buffer, read);
            }
        }
        finally
        {
            // Also after a broken connection: what arrived is kept, and the next attempt resumes after it.
            await appender.CompleteAsync();
            reader.Dispose();
        }

        if (partial.Length < file.Size)
        {
            throw new HubTransientException($"the body from {host} ended after {partial.Length} of {file.Size} bytes");
        }
    }

    /// <summary>Lines the partial file up with what the server is about to send.</summary>
    private void StartBody(HttpResponseMessage response, PartialFile partial, HubTarget target, HubFile file)
    {
        var offset = partial.Length;
        switch (response.StatusCode)
        {
            case HttpStatusCode.RequestedRangeNotSatisfiable:
                // The server's copy is shorter than ours; ours cannot be right.
                partial.Restart();
                throw new HubTransientException($"the server refused the range from byte {offset}");

            case HttpStatusCode.PartialContent:
                if (response.Content.Headers.ContentRange is not { From: { } from } range || from != offset)
                {
                    throw new HubException(HubErrorKind.Protocol,
                        $"Asked for {target.Describe()} from byte {offset}, got 'Content-Range: {response.Content.Headers.ContentRange}'.", 206);
                }

                if (range.Length is { } total && total != file.Size)
                {
                    throw Mismatch(target, file, $"the server has {total} bytes, the tree lists {file.Size}");
                }

                return;

            case HttpStatusCode.OK:
                if (offset > 0)
                {
                    // huggingface_hub does the same: a server without range support sends it all again.
                    HubLog.RangeIgnored(logger, target.RepoId, file.Path, 200);
                    partial.Restart();
                }

                if (response.Content.Headers.ContentLength is { } length && length != file.Size)
                {
                    throw Mismatch(target, file, $"the server has {length} bytes, the tree lists {file.Size}");
                }

                return;

            default:
                throw new HubException(HubErrorKind.Protocol, $"Unexpected HTTP {(int)response.StatusCode} with the body of {target.Describe()}.",
                    (int)response.StatusCode);
        }
    }

    private static HubException Mismatch(HubTarget target, HubFile file, string problem) => new(
        HubErrorKind.IntegrityMismatch,
        $"Downloaded {target.Describe()} does not match the Hub's listing ({problem}); the partial file was deleted.");
}

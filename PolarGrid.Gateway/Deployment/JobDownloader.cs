using PolarGrid.HuggingFace;
using PolarGrid.Staging;

namespace PolarGrid.Gateway.Deployment;

/// <summary>
/// Fetches a job's files into its incoming folder on the staging volume. A file only ever has its final name once
/// the Hub client verified it, so a file that is there is done, and a restarted job resumes with what is missing.
/// </summary>
public sealed class JobDownloader(HubClient hub, LoadJobStore jobs, TimeProvider time, ILogger<JobDownloader> logger)
{
    private static readonly TimeSpan PersistEvery = TimeSpan.FromSeconds(1);

    public async Task DownloadAsync(LoadJob job, string downloadDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(downloadDirectory);
        long finishedBytes = 0;
        var finishedFiles = 0;
        var lastPersisted = time.GetUtcNow();

        foreach (var file in job.Files)
        {
            var destination = SafeRelativePath.Combine(downloadDirectory, file.Path);
            if (!File.Exists(destination))
            {
                var before = finishedBytes;
                var progress = new SynchronousProgress(bytes =>
                {
                    jobs.Touch(job.Id, current => current with { BytesDone = before + bytes });
                    if (time.GetUtcNow() - lastPersisted > PersistEvery)
                    {
                        lastPersisted = time.GetUtcNow();
                        // Progress is advisory: losing the last second of it in a crash costs nothing.
                        _ = jobs.UpdateAsync(job.Id, current => current, CancellationToken.None);
                    }
                });
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                await hub.DownloadAsync(job.Source!, job.Commit!, new HubFile(file.Path, file.Size, file.Sha256, file.GitBlobId), destination, progress, cancellationToken);
            }
            else
            {
                logger.LogInformation("Job {Job}: {File} is already downloaded", job.Id, file.Path);
            }

            finishedBytes += file.Size;
            finishedFiles++;
            await jobs.UpdateAsync(job.Id, current => current with { BytesDone = finishedBytes, FilesDone = finishedFiles, UpdatedAt = time.GetUtcNow() }, cancellationToken);
        }
    }

    /// <summary>Reports on the caller's thread, in order; <see cref="Progress{T}"/> would post to the thread pool.</summary>
    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}

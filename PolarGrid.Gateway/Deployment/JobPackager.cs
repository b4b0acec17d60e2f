using PolarGrid.Gateway.Models;
using PolarGrid.Staging;

namespace PolarGrid.Gateway.Deployment;

/// <summary>
/// Turns a job's downloaded files into a staged package: converts them into a Triton model directory, prepares the
/// gateway's assets, writes the manifest and publishes the whole package into the sidecar's queue with one rename.
/// </summary>
public sealed class JobPackager(DeploymentPlanner planner, GatewayAssets assets, StagingLayout staging, TimeProvider time, ILogger<JobPackager> logger)
{
    public async Task PackageAsync(LoadJob job, string downloadDirectory, CancellationToken cancellationToken)
    {
        var incoming = staging.IncomingFor(job.Id);
        var package = Path.Combine(incoming, "package");
        // A conversion cut short by a crash is simply redone from the downloads.
        AtomicFile.DeleteDirectory(package);
        var model = StagingLayout.ModelIn(package);
        Directory.CreateDirectory(model);

        var converted = await planner.ConvertAsync(job, downloadDirectory, model, cancellationToken);
        var descriptor = new ModelDescriptor(job.Name, converted.Kind, converted.ContextLength, job.Source, job.Commit, converted.Embedding);
        await assets.PrepareAsync(job.Id, descriptor, converted.AssetFiles, cancellationToken);

        var files = new List<StagedFile>();
        foreach (var path in Directory.EnumerateFiles(model, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(model, path).Replace(Path.DirectorySeparatorChar, '/');
            files.Add(new StagedFile(relative, new FileInfo(path).Length, await AtomicFile.Sha256Async(path, cancellationToken)));
        }
        var manifest = new StagedPackage(job.Id, PackageAction.Load, job.Name, time.GetUtcNow(), job.Source, job.Commit, files);
        await manifest.WriteAsync(package, cancellationToken);

        Publish(job.Id, package);
        logger.LogInformation("Job {Job}: staged {Model} ({Files} files, {Bytes} bytes)", job.Id, job.Name, files.Count, files.Sum(file => file.Size));
        AtomicFile.DeleteDirectory(incoming);
    }

    public async Task StageUnloadAsync(LoadJob job, CancellationToken cancellationToken)
    {
        if (IsPublished(job.Id))
        {
            return;
        }
        var package = Path.Combine(staging.IncomingFor(job.Id), "package");
        AtomicFile.DeleteDirectory(package);
        Directory.CreateDirectory(package);
        await new StagedPackage(job.Id, PackageAction.Unload, job.Name, time.GetUtcNow()).WriteAsync(package, cancellationToken);
        Publish(job.Id, package);
        AtomicFile.DeleteDirectory(staging.IncomingFor(job.Id));
    }

    /// <summary>The package reached the sidecar: it is in the queue, or the sidecar already answered it.</summary>
    public bool IsPublished(string jobId) => Directory.Exists(staging.PackageFor(jobId)) || File.Exists(staging.ResultFor(jobId));

    private void Publish(string jobId, string package)
    {
        staging.EnsureCreated();
        // Same volume, so this is one rename: the sidecar sees the whole package or nothing.
        Directory.Move(package, staging.PackageFor(jobId));
    }
}

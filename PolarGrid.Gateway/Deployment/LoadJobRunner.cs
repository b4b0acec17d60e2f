using Microsoft.Extensions.Options;
using PolarGrid.Gateway.Models;
using PolarGrid.HuggingFace;
using PolarGrid.Staging;

namespace PolarGrid.Gateway.Deployment;

/// <summary>
/// Runs the queued jobs: download, convert, stage, then wait for the sidecar's answer. At start it takes up every job
/// a previous run left unfinished, each from the phase it had reached.
/// </summary>
public sealed class LoadJobRunner(
    ModelDeployments deployments,
    LoadJobStore jobs,
    JobDownloader downloader,
    JobPackager packager,
    GatewayAssets assets,
    StagingLayout staging,
    NodeModels nodeModels,
    IOptions<DeploymentOptions> options,
    TimeProvider time,
    ILogger<LoadJobRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        staging.EnsureCreated();
        foreach (var job in jobs.List().Where(job => job.IsFinal))
        {
            SweepResult(job.Id);
        }
        foreach (var job in jobs.List().Where(job => job.IsInFlight).OrderBy(job => job.Id, StringComparer.Ordinal))
        {
            logger.LogInformation("Job {Job} ({Model}) resumes from {Phase}", job.Id, job.Name, job.Phase);
            deployments.Enqueue(job.Id);
        }

        var workers = Enumerable.Range(0, Math.Max(1, options.Value.MaxConcurrentJobs)).Select(_ => WorkAsync(stoppingToken));
        await Task.WhenAll(workers);
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        await foreach (var id in deployments.Queue.ReadAllAsync(stoppingToken))
        {
            if (jobs.Find(id) is not { IsInFlight: true } job)
            {
                continue;
            }
            try
            {
                await RunAsync(job, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down: the job keeps its phase and resumes at the next start.
                return;
            }
            catch (Exception error)
            {
                var (message, code) = Describe(error);
                logger.LogError(error, "Job {Job} ({Model}) failed: {Reason}", job.Id, job.Name, message);
                await FailAsync(job.Id, message, code);
            }
        }
    }

    private async Task RunAsync(LoadJob job, CancellationToken cancellationToken)
    {
        if (job.Action == JobAction.Unload)
        {
            await packager.StageUnloadAsync(job, cancellationToken);
            await SetPhaseAsync(job.Id, JobPhase.Staged, cancellationToken);
            await AwaitSidecarAsync(job.Id, cancellationToken);
            return;
        }

        var download = Path.Combine(staging.IncomingFor(job.Id), "download");
        if (job.Phase <= JobPhase.Converting && !packager.IsPublished(job.Id))
        {
            // Also after a crash mid-conversion: conversion moves files out of the download folder, and the download
            // step fetches again only what is missing.
            job = await SetPhaseAsync(job.Id, JobPhase.Downloading, cancellationToken);
            await downloader.DownloadAsync(job, download, cancellationToken);

            job = await SetPhaseAsync(job.Id, JobPhase.Converting, cancellationToken);
            await packager.PackageAsync(job, download, cancellationToken);
            job = jobs.Find(job.Id)!;
        }
        if (job.Phase < JobPhase.Staged)
        {
            await SetPhaseAsync(job.Id, JobPhase.Staged, cancellationToken);
        }
        await AwaitSidecarAsync(job.Id, cancellationToken);
    }

    private async Task AwaitSidecarAsync(string id, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + options.Value.SidecarTimeout;
        while (true)
        {
            var result = await PackageResult.TryReadAsync(staging, id, cancellationToken);
            var job = jobs.Find(id)!;
            if (result is { IsFinal: true })
            {
                await FinishAsync(job, result, cancellationToken);
                return;
            }
            if (result is { State: PackageState.Loading } && job.Phase < JobPhase.Loading)
            {
                await SetPhaseAsync(id, JobPhase.Loading, cancellationToken);
            }
            if (time.GetUtcNow() > deadline)
            {
                await FailAsync(id, $"The node's sidecar did not finish the package within {options.Value.SidecarTimeout}.", "sidecar_timeout");
                return;
            }
            await Task.Delay(options.Value.ResultPollInterval, time, cancellationToken);
        }
    }

    private async Task FinishAsync(LoadJob job, PackageResult result, CancellationToken cancellationToken)
    {
        switch (result.State)
        {
            case PackageState.Ready:
                assets.Install(job.Id, job.Name);
                await RetireOthersAsync(job, JobPhase.Superseded, cancellationToken);
                await jobs.UpdateAsync(job.Id, current => current with { Phase = JobPhase.Ready, Version = result.Version, UpdatedAt = time.GetUtcNow() }, cancellationToken);
                logger.LogInformation("Job {Job}: {Model} is ready (version {Version})", job.Id, job.Name, result.Version);
                break;
            case PackageState.Unloaded:
                assets.Remove(job.Name);
                await RetireOthersAsync(job, JobPhase.Unloaded, cancellationToken);
                await jobs.UpdateAsync(job.Id, current => current with { Phase = JobPhase.Unloaded, UpdatedAt = time.GetUtcNow() }, cancellationToken);
                logger.LogInformation("Job {Job}: {Model} is unloaded", job.Id, job.Name);
                break;
            default:
                await FailAsync(job.Id, result.Reason ?? "The sidecar reported a failure without a reason.", job.Action == JobAction.Load ? "load_failed" : "unload_failed");
                break;
        }
        nodeModels.Invalidate();

        // The sidecar removes the package right after writing its final result.
        for (var wait = 0; wait < 20 && Directory.Exists(staging.PackageFor(job.Id)); wait++)
        {
            await Task.Delay(options.Value.ResultPollInterval, time, cancellationToken);
        }
        SweepResult(job.Id);
    }

    /// <summary>
    /// The job file now holds the outcome, so the sidecar's answer has served its purpose, but only once the sidecar
    /// removed the package too: without its result, a package still in the queue would be processed again.
    /// </summary>
    private void SweepResult(string id)
    {
        if (!Directory.Exists(staging.PackageFor(id)))
        {
            File.Delete(staging.ResultFor(id));
        }
    }

    private async Task RetireOthersAsync(LoadJob job, JobPhase phase, CancellationToken cancellationToken)
    {
        foreach (var other in jobs.List().Where(other => other.Id != job.Id && other.Name == job.Name && other.Phase == JobPhase.Ready))
        {
            await jobs.UpdateAsync(other.Id, current => current with { Phase = phase, UpdatedAt = time.GetUtcNow() }, cancellationToken);
        }
    }

    private async Task FailAsync(string id, string message, string code)
    {
        if (jobs.Find(id) is not { } job)
        {
            return;
        }
        assets.Discard(id);
        AtomicFile.DeleteDirectory(staging.IncomingFor(id));
        await jobs.UpdateAsync(id, current => current with { Phase = JobPhase.Failed, Error = new JobError(message, code), UpdatedAt = time.GetUtcNow() }, CancellationToken.None);
        nodeModels.Invalidate();
        logger.LogWarning("Job {Job} ({Model}) failed: {Reason}", id, job.Name, message);
    }

    private Task<LoadJob> SetPhaseAsync(string id, JobPhase phase, CancellationToken cancellationToken) =>
        jobs.UpdateAsync(id, current => current with { Phase = phase, UpdatedAt = time.GetUtcNow() }, cancellationToken);

    private static (string Message, string Code) Describe(Exception error) => error switch
    {
        HubException hub => (hub.Message, HubErrors.Code(hub.Kind)),
        PolarGrid.Conversion.ConversionException conversion => (conversion.Message, ConversionErrors.Code(conversion.Code)),
        UnsafePathException unsafePath => (unsafePath.Message, "unsafe_path"),
        IOException io => ($"A file operation failed on the node: {io.Message}", "io_error"),
        _ => ("The job failed with an internal error; see the gateway's log.", "internal_error"),
    };
}

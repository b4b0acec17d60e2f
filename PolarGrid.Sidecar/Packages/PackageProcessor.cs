using System.Diagnostics;
using System.Text.Json;
using PolarGrid.Sidecar.Repository;
using PolarGrid.Sidecar.Telemetry;
using PolarGrid.Sidecar.Triton;
using PolarGrid.Staging;

namespace PolarGrid.Sidecar.Packages;

/// <summary>
/// Takes one queued package from its <c>Loading</c> result to a final one, then removes it from the queue.
/// </summary>
/// <remarks>
/// Idempotent by construction, because a crash can interrupt it anywhere: a package whose result is final is only
/// removed; any other is done again from the start (the reconciler has undone a half-done installation first).
/// The final result is always the last word: when the gateway sees it, the repository and Triton are settled.
/// </remarks>
public sealed class PackageProcessor(
    StagingLayout layout,
    PackageResults results,
    PackageValidator validator,
    ModelInstaller installer,
    ModelRepositoryFolder repository,
    TritonModelControl triton,
    SidecarState state,
    SidecarTelemetry telemetry,
    TimeProvider time,
    ILogger<PackageProcessor> logger)
{
    public const string FinishedPrefix = ".finished-";

    // Triton vanishing in the middle of one model's load, again and again, is more likely that model than bad luck.
    private const int MaxInterruptedAttempts = 3;

    private readonly Dictionary<string, int> _interrupted = new(StringComparer.Ordinal);

    /// <exception cref="TritonUnreachableException">
    /// Triton did not answer. The package keeps its <c>Loading</c> result and the repository is as before; try again later.
    /// </exception>
    public async Task ProcessAsync(string jobId, CancellationToken cancellationToken)
    {
        var directory = layout.PackageFor(jobId);
        if (await results.ReadAsync(jobId, cancellationToken) is { IsFinal: true } done)
        {
            // Finished before a crash took the sidecar down: only the package is left to remove.
            logger.LogInformation("Job {JobId} already has its final result {State}; removing the package", jobId, done.State);
            RemovePackage(jobId);
            return;
        }

        if (!await triton.IsReachableAsync(cancellationToken))
        {
            throw new TritonUnreachableException("Triton is unreachable; packages wait in the queue.");
        }

        using var activity = SidecarTelemetry.ActivitySource.StartActivity("sidecar.package");
        activity?.SetTag("polargrid.job.id", jobId);
        var started = time.GetTimestamp();
        state.Begin(jobId);

        StagedPackage? package = null;
        PackageResult final;
        try
        {
            package = await ReadManifestAsync(directory, cancellationToken);
            activity?.SetTag("polargrid.model", package.Model);
            activity?.SetTag("polargrid.package.action", package.Action.ToString());

            await results.WriteAsync(jobId, package.Model, PackageState.Loading, null, null, cancellationToken);
            final = package.Action switch
            {
                PackageAction.Load => await LoadAsync(directory, package, cancellationToken),
                PackageAction.Unload => await UnloadAsync(directory, package, cancellationToken),
                _ => throw new PackageRejectedException($"package.json: unknown action '{package.Action}'."),
            };
        }
        catch (PackageRejectedException rejected)
        {
            final = await Fail(jobId, package?.Model, rejected.Message);
        }
        catch (TritonUnreachableException error) when (CountInterruption(jobId) >= MaxInterruptedAttempts)
        {
            final = await Fail(jobId, package?.Model, $"Triton went away {MaxInterruptedAttempts} times while this package was being loaded: {error.Message}");
        }
        catch (Exception error) when (error is not (TritonUnreachableException or OperationCanceledException))
        {
            // Anything else (a full disk, a permission) fails this package rather than blocking the queue behind it.
            logger.LogError(error, "Job {JobId} failed unexpectedly", jobId);
            final = await Fail(jobId, package?.Model, $"The sidecar could not process the package: {error.Message}");
        }
        catch
        {
            state.Abandon();
            activity?.SetStatus(ActivityStatusCode.Error, "interrupted; will be retried");
            throw;
        }

        RemovePackage(jobId);
        _interrupted.Remove(jobId);
        state.Finish(new FinishedJob(jobId, final.Model, final.State, final.Reason, final.Version, final.UpdatedAt));
        var action = package?.Action.ToString() ?? "unknown";
        telemetry.Packages.Add(1, new("action", action), new("state", final.State.ToString()));
        telemetry.PackageDuration.Record(time.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("action", action));
        activity?.SetTag("polargrid.package.state", final.State.ToString());
        if (final.State == PackageState.Failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, final.Reason);
        }
        logger.LogInformation("Job {JobId} for {Model}: {State} {Version} {Reason}", jobId, final.Model, final.State, final.Version, final.Reason);
    }

    private async Task<PackageResult> LoadAsync(string directory, StagedPackage package, CancellationToken cancellationToken)
    {
        var validated = await validator.ValidateLoadAsync(directory, package, cancellationToken);
        var journal = await installer.InstallAsync(validated, cancellationToken);

        LoadOutcome outcome;
        try
        {
            outcome = await triton.LoadAsync(package.Model, journal.Version, cancellationToken);
        }
        catch
        {
            // Unreachable or shutting down: nothing is known, so undo and let the package be processed again.
            await installer.RollBackAsync(journal);
            throw;
        }

        if (!outcome.Ready)
        {
            telemetry.LoadFailures.Add(1, new KeyValuePair<string, object?>("trigger", "package"));
            // Triton still serves the previous version (a failed re-load keeps it); the repository goes back to match.
            await installer.RollBackAsync(journal);
            return await results.WriteAsync(package.JobId, package.Model, PackageState.Failed, outcome.Reason, null, CancellationToken.None);
        }

        telemetry.Loads.Add(1, new KeyValuePair<string, object?>("trigger", "package"));
        installer.Commit(journal);
        state.ClearFailure(package.Model);
        return await results.WriteAsync(package.JobId, package.Model, PackageState.Ready, null, journal.Version, CancellationToken.None);
    }

    private async Task<PackageResult> UnloadAsync(string directory, StagedPackage package, CancellationToken cancellationToken)
    {
        PackageValidator.CheckIdentity(directory, package);
        if (await triton.UnloadAsync(package.Model, cancellationToken) is { } reason)
        {
            return await results.WriteAsync(package.JobId, package.Model, PackageState.Failed, reason, null, CancellationToken.None);
        }
        // Unloaded first, removed second: a Triton restart in between must not find the folder and load it again.
        ModelRepositoryFolder.Discard(repository.ModelFolder(package.Model), package.JobId);
        state.ClearFailure(package.Model);
        return await results.WriteAsync(package.JobId, package.Model, PackageState.Unloaded, null, null, CancellationToken.None);
    }

    private static async Task<StagedPackage> ReadManifestAsync(string directory, CancellationToken cancellationToken)
    {
        try
        {
            return await StagedPackage.ReadAsync(directory, cancellationToken);
        }
        catch (JsonException error)
        {
            throw new PackageRejectedException($"package.json cannot be read: {error.Message}");
        }
        catch (FileNotFoundException)
        {
            throw new PackageRejectedException("The package has no package.json.");
        }
    }

    private Task<PackageResult> Fail(string jobId, string? model, string reason) =>
        results.WriteAsync(jobId, model ?? "", PackageState.Failed, reason, null, CancellationToken.None);

    private int CountInterruption(string jobId) =>
        _interrupted[jobId] = _interrupted.GetValueOrDefault(jobId) + 1;

    /// <summary>
    /// Takes the package out of the queue by one rename (so it can never be seen half-deleted and processed again),
    /// then deletes it. A crash between the two leaves a dot folder the reconciler removes.
    /// </summary>
    private void RemovePackage(string jobId)
    {
        var package = layout.PackageFor(jobId);
        if (!Directory.Exists(package))
        {
            return;
        }
        var finished = Path.Combine(layout.QueueRoot, FinishedPrefix + jobId);
        AtomicFile.DeleteDirectory(finished);
        Directory.Move(package, finished);
        AtomicFile.DeleteDirectory(finished);
    }
}

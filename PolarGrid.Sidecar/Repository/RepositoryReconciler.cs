using System.Text.Json;
using PolarGrid.Sidecar.Packages;
using PolarGrid.Sidecar.Telemetry;
using PolarGrid.Sidecar.Triton;
using PolarGrid.Staging;

namespace PolarGrid.Sidecar.Repository;

/// <summary>
/// Brings the repository and Triton back in line with each other, at start and on every rescan: after a crash of the
/// sidecar (half-copied folders, an installation left unsettled) and after a restart of Triton (models on disk that
/// it no longer has loaded).
/// </summary>
public sealed class RepositoryReconciler(
    ModelRepositoryFolder repository,
    InstallJournals journals,
    ModelInstaller installer,
    StagingLayout layout,
    TritonModelControl triton,
    SidecarState state,
    SidecarTelemetry telemetry,
    ILogger<RepositoryReconciler> logger)
{
    /// <exception cref="TritonUnreachableException">The disk is tidied, but Triton could not be asked about models.</exception>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        RemoveLeftovers();

        // A journal outlives its job only if the sidecar stopped before the job's final result: the package is still
        // queued and will be processed again, so its half-done installation is undone first.
        foreach (var journal in await journals.ReadAllAsync(cancellationToken))
        {
            logger.LogWarning("Undoing the unfinished installation of {Model} version {Version} by job {JobId}",
                journal.Model, journal.Version, journal.JobId);
            await installer.RollBackAsync(journal);
        }

        await LoadMissingModelsAsync(cancellationToken);
    }

    private void RemoveLeftovers()
    {
        foreach (var folder in repository.RemoveLeftovers())
        {
            logger.LogWarning("Removed {Folder}, left over from an interrupted job", folder);
        }
        if (Directory.Exists(layout.QueueRoot))
        {
            foreach (var folder in Directory.GetDirectories(layout.QueueRoot, PackageProcessor.FinishedPrefix + "*"))
            {
                AtomicFile.DeleteDirectory(folder);
            }
        }
    }

    /// <summary>
    /// Every model folder Triton has not loaded (and is not loading) is loaded: after a Triton restart the repository
    /// is the truth. Models this sidecar has seen fail are left alone, so a broken model is not retried every rescan,
    /// and so are models with a package in the queue, which is about to decide what they should be.
    /// </summary>
    private async Task LoadMissingModelsAsync(CancellationToken cancellationToken)
    {
        var models = repository.Models();
        if (models.Count == 0)
        {
            return;
        }
        if (!await triton.IsReachableAsync(cancellationToken))
        {
            throw new TritonUnreachableException("Triton is unreachable; models in the repository cannot be checked.");
        }

        var states = await triton.ModelStatesAsync(cancellationToken);
        var queued = await QueuedModelsAsync(cancellationToken);
        foreach (var model in models)
        {
            if (states.TryGetValue(model, out var status) && (status.IsUp || status.State == ModelStatus.Unloading))
            {
                continue;
            }
            if (state.HasFailed(model) || queued.Contains(model))
            {
                continue;
            }

            using var activity = SidecarTelemetry.ActivitySource.StartActivity("sidecar.reconcile.load");
            activity?.SetTag("polargrid.model", model);
            logger.LogInformation("Loading {Model}: it is in the repository but Triton reports it as '{State}'", model, status?.State ?? "absent");
            var outcome = await triton.LoadAsync(model, version: null, cancellationToken);
            var trigger = new KeyValuePair<string, object?>("trigger", "reconcile");
            if (outcome.Ready)
            {
                telemetry.Loads.Add(1, trigger);
            }
            else
            {
                telemetry.LoadFailures.Add(1, trigger);
                activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, outcome.Reason);
                state.MarkFailed(model, outcome.Reason);
                logger.LogError("{Model} is in the repository but failed to load; not retrying until a new package: {Reason}", model, outcome.Reason);
            }
        }
    }

    private async Task<HashSet<string>> QueuedModelsAsync(CancellationToken cancellationToken)
    {
        var models = new HashSet<string>(StringComparer.Ordinal);
        foreach (var job in layout.QueuedJobs())
        {
            try
            {
                models.Add((await StagedPackage.ReadAsync(layout.PackageFor(job), cancellationToken)).Model);
            }
            catch (Exception error) when (error is JsonException or IOException)
            {
                // An unreadable package names no model; processing it will say so.
            }
        }
        return models;
    }
}

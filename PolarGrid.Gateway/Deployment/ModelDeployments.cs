using System.Threading.Channels;
using Microsoft.Extensions.Options;
using PolarGrid.Conversion;
using PolarGrid.Gateway.Models;
using PolarGrid.Gateway.OpenAI;
using PolarGrid.HuggingFace;
using PolarGrid.Staging;

namespace PolarGrid.Gateway.Deployment;

/// <summary>What <see cref="ModelDeployments.SubmitLoadAsync"/> did: made a new job, or found the same one.</summary>
public sealed record Submission(LoadJob Job, bool Created);

/// <summary>
/// Takes load and unload requests: checks them (the Hub answers, the repository is a format this node serves),
/// makes them idempotent, records them as jobs and queues them for <see cref="LoadJobRunner"/>.
/// </summary>
public sealed class ModelDeployments(
    LoadJobStore jobs,
    HubClient hub,
    DeploymentPlanner planner,
    IOptions<DeploymentOptions> options,
    TimeProvider time,
    ILogger<ModelDeployments> logger)
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();

    // Check-then-create must not interleave, or two identical requests would both create a job.
    private readonly SemaphoreSlim _submissions = new(1, 1);

    public ChannelReader<string> Queue => _queue.Reader;

    public void Enqueue(string jobId) => _queue.Writer.TryWrite(jobId);

    public async Task<Submission> SubmitLoadAsync(LoadRequest request, CancellationToken cancellationToken)
    {
        HubRevision revision;
        IReadOnlyList<HubFile> listing;
        (ConversionPlan Plan, IReadOnlyList<JobFile> Files) plan;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(options.Value.ResolveTimeout);
            try
            {
                revision = await hub.ResolveAsync(request.Model, request.Revision, timeout.Token);
                listing = await hub.ListFilesAsync(request.Model, revision.Commit, request.Subfolder, timeout.Token);
                plan = Plan(request, listing);
                if (revision.IsGated)
                {
                    // Refuse now rather than as a failed job minutes later if the node's token is not let in.
                    var probe = plan.Files.MinBy(file => file.Size)!;
                    await hub.CheckAccessAsync(request.Model, revision.Commit, new HubFile(probe.Path, probe.Size, probe.Sha256, probe.GitBlobId), timeout.Token);
                }
            }
            catch (HubException error)
            {
                throw HubErrors.ToOpenAI(error);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new OpenAIException(StatusCodes.Status504GatewayTimeout,
                    $"The Hugging Face Hub did not answer within {options.Value.ResolveTimeout.TotalSeconds:0} s.", "server_error", null, "hub_timeout");
            }
        }

        var files = plan.Files;

        await _submissions.WaitAsync(cancellationToken);
        try
        {
            var existing = jobs.List().FirstOrDefault(job =>
                job.IsSameLoad(request.Model, revision.Commit, request.Subfolder, request.Name) && job.Phase is not (JobPhase.Failed or JobPhase.Superseded or JobPhase.Unloaded));
            if (existing is not null)
            {
                return new Submission(existing, Created: false);
            }

            // A name is a client's contract: one that serves another repository's model is not silently swapped.
            // With replace, the old model serves until the new one is ready (Triton keeps it loaded meanwhile).
            // Jobs are listed newest first: the newest that settled says what the name serves now.
            if (!request.Replace && jobs.List().FirstOrDefault(job => job.Name == request.Name && job.Phase is JobPhase.Ready or JobPhase.Unloaded) is
                    { Action: JobAction.Load, Phase: JobPhase.Ready } ready
                && !string.Equals(ready.Source, request.Model, StringComparison.OrdinalIgnoreCase))
            {
                throw new OpenAIException(StatusCodes.Status409Conflict,
                    $"A model named `{request.Name}` is already served here from `{ready.Source}`; send \"replace\": true to replace it with `{request.Model}`, or choose another name.",
                    "invalid_request_error", "name", "model_exists");
            }

            if (jobs.List().FirstOrDefault(job => job.Name == request.Name && job.IsInFlight) is { } busy)
            {
                throw new OpenAIException(StatusCodes.Status409Conflict,
                    $"Model `{request.Name}` already has job {busy.Id} in flight ({busy.Phase.ToString().ToLowerInvariant()}); wait for it or use another name.",
                    "invalid_request_error", "name", "job_in_flight");
            }

            var now = time.GetUtcNow();
            var job = new LoadJob
            {
                Id = StagingNames.NewJobId(time),
                Action = JobAction.Load,
                Name = request.Name,
                Source = request.Model,
                Revision = request.Revision,
                Commit = revision.Commit,
                Subfolder = request.Subfolder,
                Files = files,
                Plan = plan.Plan,
                Format = plan.Plan.Format.ToString().ToLowerInvariant(),
                BytesTotal = files.Sum(file => file.Size),
                Phase = JobPhase.Queued,
                CreatedAt = now,
                UpdatedAt = now,
            };
            await jobs.SaveAsync(job, cancellationToken);
            logger.LogInformation("Job {Job}: load {Source}@{Commit} as {Model} ({Format}, {Files} files, {Bytes} bytes)",
                job.Id, job.Source, job.Commit, job.Name, job.Format, job.Files.Count, job.BytesTotal);
            Enqueue(job.Id);
            return new Submission(job, Created: true);
        }
        finally
        {
            _submissions.Release();
        }
    }

    public async Task<LoadJob> SubmitUnloadAsync(string name, CancellationToken cancellationToken)
    {
        await _submissions.WaitAsync(cancellationToken);
        try
        {
            if (jobs.List().FirstOrDefault(job => job.Name == name && job.IsInFlight) is { } busy)
            {
                throw new OpenAIException(StatusCodes.Status409Conflict,
                    $"Model `{name}` has job {busy.Id} in flight ({busy.Phase.ToString().ToLowerInvariant()}); wait for it before unloading.",
                    "invalid_request_error", "model", "job_in_flight");
            }

            var now = time.GetUtcNow();
            var job = new LoadJob { Id = StagingNames.NewJobId(time), Action = JobAction.Unload, Name = name, Phase = JobPhase.Queued, CreatedAt = now, UpdatedAt = now };
            await jobs.SaveAsync(job, cancellationToken);
            logger.LogInformation("Job {Job}: unload {Model}", job.Id, name);
            Enqueue(job.Id);
            return job;
        }
        finally
        {
            _submissions.Release();
        }
    }

    /// <summary>Waits until the job is final or <paramref name="wait"/> passed; returns its state then.</summary>
    public async Task<LoadJob> WaitAsync(string id, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + wait;
        var job = jobs.Find(id) ?? throw new KeyNotFoundException(id);
        while (!job.IsFinal && time.GetUtcNow() < deadline)
        {
            await Task.Delay(options.Value.ResultPollInterval, time, cancellationToken);
            job = jobs.Find(id)!;
        }
        return job;
    }

    private (ConversionPlan Plan, IReadOnlyList<JobFile> Files) Plan(LoadRequest request, IReadOnlyList<HubFile> listing)
    {
        try
        {
            return planner.Plan(listing, request.Subfolder);
        }
        catch (ConversionException error)
        {
            throw new OpenAIException(StatusCodes.Status422UnprocessableEntity,
                $"`{request.Model}` cannot be served by this node: {error.Message}", "invalid_request_error",
                error.Code == ConversionErrorCode.SubfolderNotFound ? "subfolder" : "model", ConversionErrors.Code(error.Code));
        }
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using PolarGrid.Conversion;
using PolarGrid.Staging;

namespace PolarGrid.Gateway.Deployment;

/// <summary>
/// The node's jobs: <c>&lt;DataPath&gt;/jobs/&lt;id&gt;.json</c>, one file per job, each replaced atomically, and an
/// in-memory copy that answers reads. The files are the truth after a restart.
/// </summary>
public sealed class LoadJobStore
{
    private readonly ConcurrentDictionary<string, LoadJob> _jobs = new(StringComparer.Ordinal);

    // One writer at a time: a job's file must never be replaced by an older state written late.
    private readonly SemaphoreSlim _writes = new(1, 1);
    private readonly string _directory;
    private readonly ILogger<LoadJobStore> _logger;

    public LoadJobStore(IOptions<GatewayOptions> options, ILogger<LoadJobStore> logger)
    {
        _directory = Path.Combine(options.Value.DataPath, "jobs");
        _logger = logger;
        Directory.CreateDirectory(_directory);
        foreach (var file in Directory.EnumerateFiles(_directory, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllText(file), LoadJobJsonContext.Default.LoadJob) is { } job && StagingNames.IsValidJobId(job.Id))
                {
                    _jobs[job.Id] = job;
                }
            }
            catch (JsonException error)
            {
                // Written atomically, so this is damage from outside; keep the file for a human, skip the job.
                logger.LogError(error, "Job file {File} cannot be read and is ignored", file);
            }
        }
    }

    public LoadJob? Find(string id) => _jobs.GetValueOrDefault(id);

    /// <summary>Every job, newest first.</summary>
    public IReadOnlyList<LoadJob> List() => _jobs.Values.OrderByDescending(job => job.Id, StringComparer.Ordinal).ToList();

    public async Task SaveAsync(LoadJob job, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken);
        try
        {
            _jobs[job.Id] = job;
            await AtomicFile.WriteJsonAsync(PathOf(job.Id), job, LoadJobJsonContext.Default.LoadJob, cancellationToken);
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>Changes a job in memory only: for progress that is persisted at the next <see cref="SaveAsync"/>.</summary>
    public LoadJob Touch(string id, Func<LoadJob, LoadJob> change) =>
        _jobs.AddOrUpdate(id, _ => throw new KeyNotFoundException(id), (_, job) => change(job));

    public async Task<LoadJob> UpdateAsync(string id, Func<LoadJob, LoadJob> change, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken);
        try
        {
            var job = _jobs.AddOrUpdate(id, _ => throw new KeyNotFoundException(id), (_, current) => change(current));
            await AtomicFile.WriteJsonAsync(PathOf(job.Id), job, LoadJobJsonContext.Default.LoadJob, cancellationToken);
            _logger.LogDebug("Job {Job} is {Phase}", job.Id, job.Phase);
            return job;
        }
        finally
        {
            _writes.Release();
        }
    }

    private string PathOf(string id) => Path.Combine(_directory, StagingNames.RequireJobId(id) + ".json");
}

/// <summary>A job's file: enums as camelCase names, like every other file on the node's volumes.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, Converters =
[
    typeof(CamelCaseEnumConverter<JobPhase>), typeof(CamelCaseEnumConverter<JobAction>),
    typeof(CamelCaseEnumConverter<ModelFormat>), typeof(CamelCaseEnumConverter<FileRole>),
    typeof(CamelCaseEnumConverter<TritonFlavour>), typeof(CamelCaseEnumConverter<DeviceKind>),
])]
[JsonSerializable(typeof(LoadJob))]
internal sealed partial class LoadJobJsonContext : JsonSerializerContext;

using System.Text.Json;
using System.Text.Json.Serialization;
using PolarGrid.Staging;

namespace PolarGrid.Sidecar.Repository;

/// <summary>
/// What one installation changes in the repository, written before the first visible change and deleted once the
/// job is settled. After a crash it says exactly what to undo (or, if the job did finish, what to tidy).
/// </summary>
/// <param name="NewModel">The job creates the model folder; undoing it removes the whole folder.</param>
/// <param name="PreviousConfig">The <c>config.pbtxt</c> text the job replaces; null when there was none.</param>
public sealed record InstallJournal(string JobId, string Model, long Version, bool NewModel, string? PreviousConfig);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(InstallJournal))]
internal sealed partial class InstallJournalJsonContext : JsonSerializerContext;

/// <summary>The journals, one file per job under <c>&lt;repository&gt;/.sidecar/</c> (a dot folder, so Triton ignores it).</summary>
public sealed class InstallJournals(ModelRepositoryFolder repository, ILogger<InstallJournals> logger)
{
    public Task WriteAsync(InstallJournal journal, CancellationToken cancellationToken) =>
        AtomicFile.WriteJsonAsync(PathFor(journal.JobId), journal, InstallJournalJsonContext.Default.InstallJournal, cancellationToken);

    public void Delete(string jobId) => File.Delete(PathFor(jobId));

    /// <summary>Every journal left on disk. One that cannot be read is removed: it was never completely written.</summary>
    public async Task<IReadOnlyList<InstallJournal>> ReadAllAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(repository.JournalRoot))
        {
            return [];
        }
        var journals = new List<InstallJournal>();
        foreach (var path in Directory.GetFiles(repository.JournalRoot).Order(StringComparer.Ordinal))
        {
            if (!path.EndsWith(".json", StringComparison.Ordinal))
            {
                File.Delete(path); // An AtomicFile temporary that a crash left behind.
                continue;
            }
            try
            {
                await using var stream = File.OpenRead(path);
                if (await JsonSerializer.DeserializeAsync(stream, InstallJournalJsonContext.Default.InstallJournal, cancellationToken) is { } journal &&
                    StagingNames.IsValidJobId(journal.JobId) && StagingNames.IsValidModelName(journal.Model))
                {
                    journals.Add(journal);
                    continue;
                }
            }
            catch (JsonException error)
            {
                logger.LogWarning("Install journal {Path} is unreadable: {Reason}", path, error.Message);
            }
            File.Delete(path);
        }
        return journals;
    }

    private string PathFor(string jobId) => Path.Combine(repository.JournalRoot, StagingNames.RequireJobId(jobId) + ".json");
}

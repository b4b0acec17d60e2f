using System.Text.Json.Serialization;

namespace PolarGrid.Gateway.Deployment;

/// <summary>Where a job is. The order is the order a load goes through; the last four are final.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobPhase>))]
public enum JobPhase
{
    Queued,
    Downloading,
    Converting,
    Staged,
    Loading,
    Ready,
    Failed,

    /// <summary>Was ready; a later load of the same name replaced it.</summary>
    Superseded,

    /// <summary>Was ready (or was an unload job that finished); the model has been unloaded.</summary>
    Unloaded,
}

public enum JobAction
{
    Load,
    Unload,
}

/// <summary>A file the job downloads, as the Hub listed it at the pinned commit.</summary>
public sealed record JobFile(string Path, long Size, string? Sha256, string GitBlobId);

public sealed record JobError(string Message, string Code);

/// <summary>
/// A model load (or unload) on this node. Persisted on the gateway's volume at every phase change, so a restarted
/// gateway picks up where it was.
/// </summary>
public sealed record LoadJob
{
    public required string Id { get; init; }
    public required JobAction Action { get; init; }

    /// <summary>The served name: Triton's model name and what clients pass as <c>model</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The Hub repository, e.g. <c>org/name</c> (loads only).</summary>
    public string? Source { get; init; }
    public string? Revision { get; init; }
    public string? Commit { get; init; }
    public string? Subfolder { get; init; }
    public IReadOnlyList<JobFile> Files { get; init; } = [];

    /// <summary>What conversion decided before the download: the format and each file's role.</summary>
    public PolarGrid.Conversion.ConversionPlan? Plan { get; init; }

    public required JobPhase Phase { get; init; }
    public long BytesDone { get; init; }
    public long BytesTotal { get; init; }
    public int FilesDone { get; init; }
    public string? Format { get; init; }
    public long? Version { get; init; }
    public JobError? Error { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }

    [JsonIgnore]
    public bool IsFinal => Phase >= JobPhase.Ready;

    [JsonIgnore]
    public bool IsInFlight => !IsFinal;

    /// <summary>Same model from the same place: what makes a second identical request return this job.</summary>
    public bool IsSameLoad(string source, string commit, string? subfolder, string name) =>
        Action == JobAction.Load &&
        string.Equals(Source, source, StringComparison.OrdinalIgnoreCase) &&
        Commit == commit && (Subfolder ?? "") == (subfolder ?? "") && Name == name;
}

using System.Text.Json.Serialization;

namespace PolarGrid.Gateway.Deployment;

public sealed record JobProgress(
    [property: JsonPropertyName("bytes_done")] long BytesDone,
    [property: JsonPropertyName("bytes_total")] long BytesTotal,
    [property: JsonPropertyName("files_done")] int FilesDone,
    [property: JsonPropertyName("files_total")] int FilesTotal);

public sealed record JobErrorBody(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("code")] string Code);

/// <summary>A job as <c>/v1/models/load</c> shows it, in the API's snake_case.</summary>
public sealed record JobResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("revision")] string? Revision,
    [property: JsonPropertyName("commit")] string? Commit,
    [property: JsonPropertyName("subfolder")] string? Subfolder,
    [property: JsonPropertyName("format")] string? Format,
    [property: JsonPropertyName("version")] long? Version,
    [property: JsonPropertyName("progress")] JobProgress Progress,
    [property: JsonPropertyName("error")] JobErrorBody? Error,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("updated_at")] long UpdatedAt)
{
    public static JobResponse From(LoadJob job) => new(
        job.Id,
        "model.load_job",
        job.Action == JobAction.Load ? "load" : "unload",
        job.Name,
        job.Phase.ToString().ToLowerInvariant(),
        job.Source,
        job.Revision,
        job.Commit,
        job.Subfolder,
        job.Format,
        job.Version,
        new JobProgress(job.BytesDone, job.BytesTotal, job.FilesDone, job.Files.Count),
        job.Error is { } error ? new JobErrorBody(error.Message, error.Code) : null,
        job.CreatedAt.ToUnixTimeSeconds(),
        job.UpdatedAt.ToUnixTimeSeconds());
}

public sealed record JobList(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<JobResponse> Data);

/// <summary>OpenAI's answer to deleting a model.</summary>
public sealed record DeletedModel(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("deleted")] bool Deleted);

[JsonSerializable(typeof(JobResponse))]
[JsonSerializable(typeof(JobList))]
[JsonSerializable(typeof(DeletedModel))]
public sealed partial class DeploymentJsonContext : JsonSerializerContext;

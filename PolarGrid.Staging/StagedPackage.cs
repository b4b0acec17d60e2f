using System.Text.Json;
using System.Text.Json.Serialization;

namespace PolarGrid.Staging;

public enum PackageAction
{
    /// <summary>Install <c>model/</c> (a Triton model directory) as the model and load it.</summary>
    Load,

    /// <summary>Unload the model and remove it from Triton's repository.</summary>
    Unload,
}

/// <summary>One file of a package's <c>model/</c> folder, as the gateway wrote it.</summary>
public sealed record StagedFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("sha256")] string Sha256);

/// <summary>
/// <c>package.json</c>: what the gateway asks the sidecar to do. For a load it lists every file of <c>model/</c> with
/// its size and hash, so the sidecar can check the package and its own copy of it.
/// </summary>
public sealed record StagedPackage(
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("action")] PackageAction Action,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("source")] string? Source = null,
    [property: JsonPropertyName("commit")] string? Commit = null,
    [property: JsonPropertyName("files")] IReadOnlyList<StagedFile>? Files = null)
{
    public static async Task<StagedPackage> ReadAsync(string packageDirectory, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(StagingLayout.ManifestIn(packageDirectory));
        return await JsonSerializer.DeserializeAsync(stream, StagingJsonContext.Default.StagedPackage, cancellationToken)
            ?? throw new JsonException($"{StagingLayout.PackageFileName} is empty.");
    }

    public Task WriteAsync(string packageDirectory, CancellationToken cancellationToken) =>
        AtomicFile.WriteJsonAsync(StagingLayout.ManifestIn(packageDirectory), this, StagingJsonContext.Default.StagedPackage, cancellationToken);
}

public enum PackageState
{
    /// <summary>The sidecar took the package and is installing or loading it.</summary>
    Loading,
    Ready,
    Failed,
    Unloaded,
}

/// <summary><c>results/&lt;job&gt;.json</c>: the sidecar's answer to a package.</summary>
public sealed record PackageResult(
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("state")] PackageState State,
    [property: JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAt,
    [property: JsonPropertyName("reason")] string? Reason = null,
    [property: JsonPropertyName("version")] long? Version = null)
{
    public bool IsFinal => State is not PackageState.Loading;

    /// <summary>The result for <paramref name="jobId"/>, or null while the sidecar has not written one.</summary>
    public static async Task<PackageResult?> TryReadAsync(StagingLayout layout, string jobId, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = File.OpenRead(layout.ResultFor(jobId));
            return await JsonSerializer.DeserializeAsync(stream, StagingJsonContext.Default.PackageResult, cancellationToken);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public Task WriteAsync(StagingLayout layout, CancellationToken cancellationToken) =>
        AtomicFile.WriteJsonAsync(layout.ResultFor(JobId), this, StagingJsonContext.Default.PackageResult, cancellationToken);
}

/// <summary>
/// The staging volume's JSON (package manifests, results): camelCase, enums as camelCase strings, indented for people
/// reading the volume. Source-generated, so the gateway can be compiled ahead of time.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true,
    Converters = [typeof(CamelCaseEnumConverter<PackageAction>), typeof(CamelCaseEnumConverter<PackageState>)])]
[JsonSerializable(typeof(StagedPackage))]
[JsonSerializable(typeof(PackageResult))]
public sealed partial class StagingJsonContext : JsonSerializerContext;

/// <summary>An enum written as its camelCase name, usable where a converter type must have a parameterless constructor.</summary>
public sealed class CamelCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase)
    where TEnum : struct, Enum;

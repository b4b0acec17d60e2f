using System.Text.Json.Serialization;

namespace PolarGrid.Conversion;

/// <summary>A file in a Hugging Face repository listing: its repo-relative path and size in bytes.</summary>
public sealed record RepoFile(string Path, long Size);

/// <summary>The formats conversion turns into a Triton model.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelFormat>))]
public enum ModelFormat
{
    /// <summary>An onnxruntime-genai folder (<c>genai_config.json</c>), served by <c>onnxruntime_genai</c>.</summary>
    GenAi,

    /// <summary>An ONNX graph (<c>model.onnx</c>), served by <c>onnxruntime</c>.</summary>
    Onnx,

    /// <summary>Transformers weights in safetensors, served by <c>vllm</c>.</summary>
    Safetensors,
}

/// <summary>What a planned file is for.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FileRole>))]
public enum FileRole
{
    /// <summary>Part of the model proper; moved into the Triton model directory.</summary>
    Model,

    /// <summary>
    /// A file the ONNX graph may read its weights from; moved beside the model when the graph names it, otherwise
    /// left behind.
    /// </summary>
    ExternalDataCandidate,

    /// <summary>Tokenizer, chat template or generation defaults: listed for the gateway, copied where a backend needs it.</summary>
    Tokenizer,

    /// <summary>Read during conversion for the model's description; stays in the download folder.</summary>
    Metadata,
}

/// <summary>A file to download, at its repo-relative path.</summary>
public sealed record PlannedFile(string Path, long Size, FileRole Role);

/// <summary>
/// What to download and how it will be served. Plain data, so the gateway can keep it in its job record between
/// planning and conversion; <see cref="ModelConverter.ConvertAsync"/> checks it again.
/// </summary>
/// <param name="Format">The chosen format.</param>
/// <param name="Root">The folder inside the repository the model lives in: the subfolder, or "" for the repository root.</param>
/// <param name="PrimaryFile">The file the format is recognised by: genai_config.json, model.onnx or config.json (repo-relative).</param>
/// <param name="Files">Exactly the files to download, repo-relative, each at most <see cref="ConversionOptions.MaxFileBytes"/>.</param>
/// <param name="Options">The options the plan was made for.</param>
public sealed record ConversionPlan(
    ModelFormat Format,
    string Root,
    string PrimaryFile,
    IReadOnlyList<PlannedFile> Files,
    ConversionOptions Options)
{
    [JsonIgnore]
    public long TotalBytes => Files.Sum(file => file.Size);
}

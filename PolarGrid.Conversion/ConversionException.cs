namespace PolarGrid.Conversion;

/// <summary>Why a repository cannot be turned into a Triton model; stable values for the gateway's job records.</summary>
public enum ConversionErrorCode
{
    /// <summary>The options or the node's flavour/device combination make no sense.</summary>
    InvalidOptions,

    /// <summary>The served model name is not a valid model name.</summary>
    InvalidModelName,

    /// <summary>A file name in the listing, the subfolder or a name inside a model file would escape its folder.</summary>
    UnsafePath,

    /// <summary>The requested subfolder holds no files.</summary>
    SubfolderNotFound,

    /// <summary>The model sits in a subfolder (several candidates); the caller must name one.</summary>
    SubfolderRequired,

    /// <summary>The repository has only pickled weights (<c>*.bin</c>, <c>*.pt</c>, ...), which are never loaded.</summary>
    PickledWeightsOnly,

    /// <summary>The model needs code from the repository (<c>trust_remote_code</c>, <c>auto_map</c>, modeling_*.py).</summary>
    RemoteCodeRequired,

    /// <summary>A needed file is larger than the configured maximum.</summary>
    FileTooLarge,

    /// <summary>The model's format needs a backend this node's flavour does not have.</summary>
    FormatNotServed,

    /// <summary>No supported model format was recognised.</summary>
    UnknownLayout,

    /// <summary>A file the model needs is missing after the download (or is not a plain file).</summary>
    MissingFile,

    /// <summary>A model file's content is unusable: unparsable config, bad ONNX, tensor types Triton cannot carry.</summary>
    InvalidModel,
}

/// <summary>A refusal to plan or convert a model. <see cref="Exception.Message"/> is written for an operator.</summary>
public sealed class ConversionException(ConversionErrorCode code, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public ConversionErrorCode Code { get; } = code;
}

using System.Text.Json.Serialization;

namespace PolarGrid.Conversion;

/// <summary>Which Triton a node runs, and so which backends its model repository can use.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TritonFlavour>))]
public enum TritonFlavour
{
    /// <summary>PolarGrid.InferenceServer: <c>onnxruntime</c> and <c>onnxruntime_genai</c>, CPU only.</summary>
    PolarGridCpu,

    /// <summary>Stock Triton: <c>onnxruntime</c>.</summary>
    Triton,

    /// <summary>Triton's vLLM image: <c>onnxruntime</c> and <c>vllm</c>.</summary>
    TritonVllm,
}

/// <summary>Where a model's instances run (config.pbtxt <c>instance_group</c> kind).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeviceKind>))]
public enum DeviceKind
{
    Cpu,
    Gpu,
}

/// <summary>What the node that will serve the model can do, and the limits the gateway puts on a download.</summary>
public sealed record ConversionOptions
{
    public const long DefaultMaxFileBytes = 32L << 30;

    public TritonFlavour Flavour { get; init; } = TritonFlavour.PolarGridCpu;

    public DeviceKind Device { get; init; } = DeviceKind.Cpu;

    /// <summary>
    /// <c>max_batch_size</c> for ONNX models whose every input and output has a symbolic first dimension; 0 turns
    /// batching off (dims are then the full shapes).
    /// </summary>
    public int MaxBatchSize { get; init; } = 8;

    /// <summary>The largest single file a plan may select.</summary>
    public long MaxFileBytes { get; init; } = DefaultMaxFileBytes;

    /// <summary>vLLM's <c>gpu_memory_utilization</c> engine argument: the share of GPU memory the engine may take.</summary>
    public double GpuMemoryUtilization { get; init; } = 0.9;

    [JsonIgnore]
    public bool HasGenAi => Flavour == TritonFlavour.PolarGridCpu;

    [JsonIgnore]
    public bool HasVllm => Flavour == TritonFlavour.TritonVllm;

    /// <summary>The backends a node of this flavour has, for messages.</summary>
    [JsonIgnore]
    public string Backends => Flavour switch
    {
        TritonFlavour.PolarGridCpu => "onnxruntime, onnxruntime_genai",
        TritonFlavour.TritonVllm => "onnxruntime, vllm",
        _ => "onnxruntime",
    };

    internal void Validate()
    {
        if (!Enum.IsDefined(Flavour) || !Enum.IsDefined(Device))
        {
            throw new ConversionException(ConversionErrorCode.InvalidOptions, $"Unknown node flavour '{Flavour}' or device kind '{Device}'.");
        }
        if (MaxBatchSize < 0)
        {
            throw new ConversionException(ConversionErrorCode.InvalidOptions, $"The maximum batch size must not be negative (got {MaxBatchSize}).");
        }
        if (MaxFileBytes <= 0)
        {
            throw new ConversionException(ConversionErrorCode.InvalidOptions, $"The maximum file size must be positive (got {MaxFileBytes}).");
        }
        if (GpuMemoryUtilization is not (> 0 and <= 1))
        {
            throw new ConversionException(ConversionErrorCode.InvalidOptions,
                $"gpu_memory_utilization must be in (0, 1] (got {GpuMemoryUtilization}).");
        }
        if (Flavour == TritonFlavour.PolarGridCpu && Device == DeviceKind.Gpu)
        {
            throw new ConversionException(ConversionErrorCode.InvalidOptions,
                "A PolarGridCpu node runs models on its CPU only; GPU placement needs a Triton or TritonVllm node.");
        }
    }
}

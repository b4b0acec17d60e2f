using Inference;

namespace PolarGrid.Conversion;

/// <summary>The config.pbtxt contents conversion writes.</summary>
internal static class TritonConfigs
{
    public const string VersionFolder = "1";
    public const string ConfigFileName = "config.pbtxt";
    public const string OnnxPlatform = "onnxruntime_onnx";
    public const string GenAiBackend = "onnxruntime_genai";
    public const string VllmBackend = "vllm";

    /// <summary>
    /// A decoupled text-generation model with the vLLM backend's tensor contract (the part the gateway uses; the vLLM
    /// backend completes the rest of its own list), no batch dimension.
    /// </summary>
    public static ModelConfig Llm(string name, string backend, ModelInstanceGroup instances)
    {
        var config = new ModelConfig
        {
            Name = name,
            Backend = backend,
            MaxBatchSize = 0,
            ModelTransactionPolicy = new ModelTransactionPolicy { Decoupled = true },
            InstanceGroup = { instances },
        };
        config.Input.Add(Input("text_input", DataType.TypeString, optional: false));
        config.Input.Add(Input("stream", DataType.TypeBool));
        config.Input.Add(Input("sampling_parameters", DataType.TypeString));
        config.Input.Add(Input("exclude_input_in_output", DataType.TypeBool));
        config.Input.Add(Input("return_finish_reason", DataType.TypeBool));
        config.Input.Add(Input("return_num_input_tokens", DataType.TypeBool));
        config.Input.Add(Input("return_num_output_tokens", DataType.TypeBool));
        config.Output.Add(new ModelOutput { Name = "text_output", DataType = DataType.TypeString, Dims = { -1 } });
        config.Output.Add(new ModelOutput { Name = "finish_reason", DataType = DataType.TypeString, Dims = { -1 } });
        config.Output.Add(new ModelOutput { Name = "num_input_tokens", DataType = DataType.TypeUint32, Dims = { 1 } });
        config.Output.Add(new ModelOutput { Name = "num_output_tokens", DataType = DataType.TypeUint32, Dims = { -1 } });
        return config;
    }

    /// <summary>Instances on the node's device: Triton's defaults (two CPU instances for onnxruntime, one per GPU).</summary>
    public static ModelInstanceGroup Instances(DeviceKind device, int cpuCount) => device == DeviceKind.Gpu
        ? new ModelInstanceGroup { Kind = ModelInstanceGroup.Types.Kind.Gpu, Count = 1 }
        : new ModelInstanceGroup { Kind = ModelInstanceGroup.Types.Kind.Cpu, Count = cpuCount };

    private static ModelInput Input(string name, DataType type, bool optional = true) =>
        new() { Name = name, DataType = type, Dims = { 1 }, Optional = optional };
}

using System.Buffers.Binary;
using Google.Protobuf;
using Inference;
using PolarGrid.InferenceServer.Models;

namespace PolarGrid.InferenceServer.Backends.GenAi;

/// <summary>Builds responses with the vLLM backend's outputs, in raw form as Triton sends them.</summary>
internal static class GenAiResponses
{
    public static ModelInferResponse Build(ServedModel model, string id, GenAiRequest request, string text,
        int outputTokens, int inputTokens, string? finishReason)
    {
        var response = new ModelInferResponse { ModelName = model.Name, ModelVersion = model.Version.ToString(), Id = id };
        Add(response, "text_output", TritonDataType.Bytes, BytesTensor.FromString(text));
        if (request.ReturnFinishReason && finishReason is not null)
        {
            Add(response, "finish_reason", TritonDataType.Bytes, BytesTensor.FromString(finishReason));
        }
        if (request.ReturnNumInputTokens)
        {
            Add(response, "num_input_tokens", TritonDataType.UInt32, UInt32(inputTokens));
        }
        if (request.ReturnNumOutputTokens)
        {
            Add(response, "num_output_tokens", TritonDataType.UInt32, UInt32(outputTokens));
        }
        return response;
    }

    /// <summary>The flag-only response that ends a request when the client asked for one.</summary>
    public static ModelInferResponse Empty(ServedModel model, string id) =>
        new() { ModelName = model.Name, ModelVersion = model.Version.ToString(), Id = id };

    private static void Add(ModelInferResponse response, string name, string datatype, ByteString raw)
    {
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = name, Datatype = datatype, Shape = { 1 } });
        response.RawOutputContents.Add(raw);
    }

    private static ByteString UInt32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)value);
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }
}

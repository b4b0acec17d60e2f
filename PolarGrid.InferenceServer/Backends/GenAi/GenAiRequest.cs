using Inference;
using PolarGrid.InferenceServer.Models;

namespace PolarGrid.InferenceServer.Backends.GenAi;

/// <summary>A request in the vLLM backend's tensor contract.</summary>
public sealed record GenAiRequest(
    string Prompt,
    bool Stream,
    bool ExcludeInputInOutput,
    SamplingParameters Sampling,
    bool ReturnFinishReason,
    bool ReturnNumInputTokens,
    bool ReturnNumOutputTokens,
    bool EnableEmptyFinalResponse)
{
    public static readonly string[] InputNames =
    [
        "text_input", "stream", "sampling_parameters", "exclude_input_in_output", "return_finish_reason",
        "return_num_input_tokens", "return_num_output_tokens",
    ];

    public static GenAiRequest Read(ModelInferRequest request, string model)
    {
        var tensors = RequestTensors.Read(request);
        foreach (var name in tensors.Keys)
        {
            if (Array.IndexOf(InputNames, name) < 0)
            {
                throw InferenceException.InvalidArgument(
                    $"unexpected inference input '{name}' for model '{model}'; expected one of: {string.Join(", ", InputNames)}");
            }
        }

        if (!tensors.TryGetValue("text_input", out var text))
        {
            throw InferenceException.InvalidArgument($"model '{model}' needs the input 'text_input'");
        }
        var stream = Flag(tensors, "stream") ?? false;
        var exclude = Flag(tensors, "exclude_input_in_output");
        if (stream && exclude == false)
        {
            throw InferenceException.InvalidArgument("exclude_input_in_output=false is not supported with stream=true");
        }

        return new GenAiRequest(
            Prompt: Single(text),
            Stream: stream,
            // vLLM's default: the prompt is prepended to a non-streamed answer and never to streamed deltas.
            ExcludeInputInOutput: exclude ?? stream,
            Sampling: SamplingParameters.Parse(tensors.TryGetValue("sampling_parameters", out var sampling) ? Single(sampling) : null),
            ReturnFinishReason: Flag(tensors, "return_finish_reason") ?? false,
            ReturnNumInputTokens: Flag(tensors, "return_num_input_tokens") ?? false,
            ReturnNumOutputTokens: Flag(tensors, "return_num_output_tokens") ?? false,
            EnableEmptyFinalResponse: request.Parameters.TryGetValue(RequestParameters.EnableEmptyFinalResponse, out var empty) && empty.BoolParam);
    }

    private static string Single(RequestTensor tensor)
    {
        if (tensor.Datatype != TritonDataType.Bytes || tensor.Elements.Count != 1)
        {
            throw InferenceException.InvalidArgument(
                $"input '{tensor.Name}' must be a BYTES tensor with one element, got {tensor.Datatype} {TensorShape.Format(tensor.Shape)}");
        }
        try
        {
            return StrictUtf8.GetString(tensor.Elements[0].Span);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw InferenceException.InvalidArgument($"input '{tensor.Name}' is not valid UTF-8");
        }
    }

    private static bool? Flag(Dictionary<string, RequestTensor> tensors, string name)
    {
        if (!tensors.TryGetValue(name, out var tensor))
        {
            return null;
        }
        if (tensor.Datatype != TritonDataType.Bool || tensor.ElementCount != 1)
        {
            throw InferenceException.InvalidArgument(
                $"input '{name}' must be a BOOL tensor with one element, got {tensor.Datatype} {TensorShape.Format(tensor.Shape)}");
        }
        return tensor.Data.Span[0] != 0;
    }

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}

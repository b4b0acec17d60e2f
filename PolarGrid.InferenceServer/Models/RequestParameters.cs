using Inference;

namespace PolarGrid.InferenceServer.Models;

/// <summary>Triton's reserved request parameters and response parameters.</summary>
public static class RequestParameters
{
    public const string EnableEmptyFinalResponse = "triton_enable_empty_final_response";
    public const string FinalResponse = "triton_final_response";

    private static readonly HashSet<string> Reserved =
        ["sequence_id", "sequence_start", "sequence_end", "priority", "timeout", "headers", "binary_data_output"];

    /// <summary>
    /// Triton refuses every <c>triton_*</c> key but the empty-final-response switch, and checks the types of the
    /// reserved keys; other keys pass to the backend.
    /// </summary>
    public static void Validate(ModelInferRequest request)
    {
        foreach (var (key, value) in request.Parameters)
        {
            if (key == EnableEmptyFinalResponse)
            {
                if (value.ParameterChoiceCase != InferParameter.ParameterChoiceOneofCase.BoolParam)
                {
                    throw InferenceException.InvalidArgument($"parameter '{key}' must be a bool_param");
                }
            }
            else if (key.StartsWith("triton_", StringComparison.Ordinal))
            {
                throw InferenceException.InvalidArgument($"parameter keys starting with 'triton_' are reserved: '{key}'");
            }
            else if (!Reserved.Contains(key) && value.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.Uint64Param)
            {
                throw InferenceException.InvalidArgument($"parameter '{key}' has an unsupported type: uint64_param is only accepted for 'priority'");
            }
        }
    }
}

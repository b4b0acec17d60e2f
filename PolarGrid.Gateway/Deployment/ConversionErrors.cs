using PolarGrid.Conversion;

namespace PolarGrid.Gateway.Deployment;

public static class ConversionErrors
{
    /// <summary>The machine code a refusal is reported with: the conversion code in the API's snake_case.</summary>
    public static string Code(ConversionErrorCode code) => code switch
    {
        ConversionErrorCode.PickledWeightsOnly => "pickled_weights",
        ConversionErrorCode.RemoteCodeRequired => "remote_code",
        _ => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(code.ToString()),
    };
}
